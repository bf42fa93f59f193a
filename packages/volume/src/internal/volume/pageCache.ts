/**
 * The page cache's slots: a physical page → slot table, the pages held per
 * slot, and an intrusive least-recently-used list over the slots. Every
 * method is synchronous and allocation-free; `PageCache.makeUnsafe` is this.
 */
import type { IndexPage } from "../../ChapterIndex.js"
import type { Geometry } from "../../Geometry.js"
import type { Service } from "../../PageCache.js"

const NONE = -1

/** A page cache of exactly `slots` slots (1 to MAX_SLOTS, unchecked). */
export const makePageCache = (geometry: Geometry, slots: number): Service => {
  // Slots fit in 16 bits (MAX_SLOTS): two bytes per volume page, not four.
  const slotOfPage = new Int16Array(geometry.pagesPerVolume + geometry.headerPagesPerVolume).fill(NONE)
  const pageOfSlot = new Int32Array(slots).fill(NONE)
  const indexPages: Array<IndexPage | undefined> = new Array(slots).fill(undefined)
  const recordPages: Array<Uint8Array | undefined> = new Array(slots).fill(undefined)
  // A doubly linked list of all slots, most recent at `head`, least recent at `tail`.
  // The last slot starts least recent: like the reference, an empty cache fills
  // from the last slot downward.
  const newer = new Int32Array(slots)
  const older = new Int32Array(slots)
  for (let slot = 0; slot < slots; slot++) {
    newer[slot] = slot - 1
    older[slot] = slot + 1 < slots ? slot + 1 : NONE
  }
  let head = 0
  let tail = slots - 1
  let hits = 0
  let misses = 0
  let evictions = 0
  let cachedPages = 0

  const unlink = (slot: number) => {
    const n = newer[slot]!
    const o = older[slot]!
    if (n === NONE) head = o
    else older[n] = o
    if (o === NONE) tail = n
    else newer[o] = n
  }
  const makeMostRecent = (slot: number) => {
    if (slot === head) return
    unlink(slot)
    newer[slot] = NONE
    older[slot] = head
    newer[head] = slot
    head = slot
  }
  const makeLeastRecent = (slot: number) => {
    if (slot === tail) return
    unlink(slot)
    older[slot] = NONE
    newer[slot] = tail
    older[tail] = slot
    tail = slot
  }
  const clearSlot = (slot: number) => {
    const page = pageOfSlot[slot]!
    if (page !== NONE) {
      slotOfPage[page] = NONE
      cachedPages--
    }
    pageOfSlot[slot] = NONE
    indexPages[slot] = undefined
    recordPages[slot] = undefined
  }
  // The slot for a page about to be installed: its own slot if cached, else the least recent.
  const claimSlot = (physicalPage: number): number => {
    const cached = slotOfPage[physicalPage]!
    if (cached !== NONE) return cached
    const slot = tail
    if (pageOfSlot[slot] !== NONE) evictions++
    clearSlot(slot)
    pageOfSlot[slot] = physicalPage
    slotOfPage[physicalPage] = slot
    cachedPages++
    return slot
  }

  // The slot holding a page of the kind `values` holds, made most recent and
  // counted as a hit; NONE, counted as a miss, when there is none.
  const hitSlot = (physicalPage: number, values: ReadonlyArray<unknown>): number => {
    const slot = slotOfPage[physicalPage]
    if (slot === undefined || slot === NONE || values[slot] === undefined) {
      misses++
      return NONE
    }
    hits++
    makeMostRecent(slot)
    return slot
  }

  return {
    capacity: slots,
    indexPage: (physicalPage) => {
      const slot = hitSlot(physicalPage, indexPages)
      return slot === NONE ? undefined : indexPages[slot]
    },
    recordPage: (physicalPage) => {
      const slot = hitSlot(physicalPage, recordPages)
      return slot === NONE ? undefined : recordPages[slot]
    },
    installIndexPage: (physicalPage, page) => {
      const slot = claimSlot(physicalPage)
      indexPages[slot] = page
      recordPages[slot] = undefined
      makeMostRecent(slot)
    },
    installRecordPage: (physicalPage, bytes) => {
      const slot = claimSlot(physicalPage)
      recordPages[slot] = bytes
      indexPages[slot] = undefined
      makeMostRecent(slot)
    },
    invalidate: (physicalPage) => {
      const slot = slotOfPage[physicalPage]
      if (slot === undefined || slot === NONE) return
      clearSlot(slot)
      makeLeastRecent(slot)
    },
    stats: () => ({ cacheHits: hits, cacheMisses: misses, evictions, cachedPages })
  }
}
