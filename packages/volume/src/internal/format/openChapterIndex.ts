/**
 * Builds one chapter's delta lists in bulk (chapter-index.md §6) with the
 * same result as the reference's record-by-record inserts.
 *
 * The records are sorted by (delta list, address, arrival). In each run of
 * equal addresses the first arrival is the normal entry and the later ones
 * are collision entries, stored newest first. A later arrival whose name is
 * already a collision entry of that address is refused, as the reference
 * refuses it (BAD_STATE): a name may appear twice (once as the normal entry,
 * once as a collision) but no more.
 *
 * A list's size only grows with each insert and its final size does not
 * depend on the order of the inserts, so a list whose complete size fits the
 * 65535-bit limit never refused an insert. Only a list that does not fit is
 * replayed insert by insert, to refuse exactly the entries the reference
 * refuses.
 *
 * @internal
 */
import { BYTES_PER_RECORD, type Geometry } from "../../Geometry.js"
import { viewChapterAddress, viewChapterDeltaList } from "./chapterHash.js"
import { keyCodeBits, MAX_LIST_BITS, MIN_BITS, NAME_BITS } from "./deltaCode.js"


/**
 * One chapter's delta lists, sorted and sized, ready to be packed into pages.
 * Its arrays are reused by the next build.
 */
export interface OpenChapterIndex {
  /** Record numbers sorted by (delta list, address, arrival). */
  readonly records: Uint32Array
  /** The address of each record of `records`, position by position. */
  readonly addresses: Uint32Array
  /** The record page of each record of `records`, position by position. */
  readonly values: Uint16Array
  /** deltaListsPerChapter + 1 positions: list j is [listStarts[j], listStarts[j + 1]). */
  readonly listStarts: Uint32Array
  /** Per position: 1 if the entry is in the index, 0 if it was refused. */
  readonly kept: Uint8Array
  /** Bit size of each list's entries. */
  readonly listBits: Uint32Array
  /** Number of entries in each list. */
  readonly listEntries: Uint32Array
  /** Entries refused because their list would have grown past 65535 bits. */
  readonly overflows: number
  /** Entries refused because the same name was already a collision entry. */
  readonly duplicates: number
}

const sameName = (records: Uint8Array, a: number, b: number): boolean => {
  const x = a * BYTES_PER_RECORD
  const y = b * BYTES_PER_RECORD
  for (let i = 0; i < 16; i++) if (records[x + i] !== records[y + i]) return false
  return true
}

/**
 * Reusable working arrays. A chapter's build needs about 20 bytes per record
 * of temporaries; allocating them afresh for every chapter costs more than
 * the build itself (fresh zeroed memory from the OS), so they are kept and
 * grown. Everything here is synchronous, so one set serves every call; an
 * OpenChapterIndex is valid until the next build.
 */
const grower = <A extends Uint8Array | Uint16Array | Uint32Array>(make: (length: number) => A) => {
  let array = make(0)
  return (length: number): A => {
    if (array.length < length) array = make(Math.max(length, Math.ceil(array.length * 1.5)))
    return array.subarray(0, length) as A
  }
}
const scratch = {
  bucketOf: grower((n) => new Uint32Array(n)),
  unsortedAddresses: grower((n) => new Uint32Array(n)),
  bucketStarts: grower((n) => new Uint32Array(n)),
  next: grower((n) => new Uint32Array(n)),
  records: grower((n) => new Uint32Array(n)),
  addresses: grower((n) => new Uint32Array(n)),
  values: grower((n) => new Uint16Array(n)),
  kept: grower((n) => new Uint8Array(n))
}

interface Sorted {
  readonly records: Uint32Array
  readonly addresses: Uint32Array
  readonly values: Uint16Array
  readonly listStarts: Uint32Array
}

/**
 * Sorts records 0 .. count − 1 by list and roughly by address, stably: a
 * counting sort on the list and the top bits of the address (about one
 * record per bucket). `sizeLists` finishes each list with an insertion sort.
 *
 * Each loop is a function of its own: V8 optimizes a function with one hot
 * loop once, where one function with several loops is re-optimized loop by
 * loop on every call.
 */
const sortEntries = (geometry: Geometry, source: Uint8Array, count: number, pages: Uint16Array | undefined): Sorted => {
  const addressBits = geometry.chapterAddressBits
  const listCount = geometry.deltaListsPerChapter
  let topBits = 0
  while (topBits < addressBits && topBits < 16 && listCount * 2 ** (topBits + 1) <= count) topBits++
  const bucketCount = listCount << topBits
  const bucketOf = scratch.bucketOf(count)
  const unsortedAddresses = scratch.unsortedAddresses(count)
  const bucketStarts = scratch.bucketStarts(bucketCount + 1)
  bucketStarts.fill(0)
  hashRecords(source, count, addressBits, listCount - 1, topBits, unsortedAddresses, bucketOf, bucketStarts)
  prefixSums(bucketStarts)
  const records = scratch.records(count)
  const addresses = scratch.addresses(count)
  const values = scratch.values(count)
  const next = scratch.next(bucketCount)
  next.set(bucketStarts.subarray(0, bucketCount))
  scatter(bucketOf, unsortedAddresses, next, records, addresses, values, geometry.recordsPerPage, pages)
  const listStarts = new Uint32Array(listCount + 1)
  for (let j = 0; j <= listCount; j++) listStarts[j] = bucketStarts[j << topBits]!
  return { records, addresses, values, listStarts }
}

/** Each record's address and bucket, and the bucket sizes (counted one slot up, for the prefix sums). */
const hashRecords = (
  source: Uint8Array,
  count: number,
  addressBits: number,
  listMask: number,
  topBits: number,
  addresses: Uint32Array,
  bucketOf: Uint32Array,
  bucketStarts: Uint32Array
): void => {
  const shift = addressBits - topBits
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength)
  for (let i = 0, offset = 0; i < count; i++, offset += BYTES_PER_RECORD) {
    const address = viewChapterAddress(view, offset, addressBits)
    const bucket = (viewChapterDeltaList(view, offset, addressBits, listMask) << topBits) | (address >>> shift)
    addresses[i] = address
    bucketOf[i] = bucket
    bucketStarts[bucket + 1] = bucketStarts[bucket + 1]! + 1
  }
}

const prefixSums = (counts: Uint32Array): void => {
  for (let b = 1; b < counts.length; b++) counts[b] = counts[b]! + counts[b - 1]!
}

/** Moves each record to its bucket's next position, with its address and record page. */
const scatter = (
  bucketOf: Uint32Array,
  unsortedAddresses: Uint32Array,
  next: Uint32Array,
  records: Uint32Array,
  addresses: Uint32Array,
  values: Uint16Array,
  recordsPerPage: number,
  pages: Uint16Array | undefined
): void => {
  // Record i is on page floor(i / recordsPerPage): counted, not divided.
  let page = 0
  let left = recordsPerPage
  for (let i = 0; i < bucketOf.length; i++) {
    const bucket = bucketOf[i]!
    const position = next[bucket]!
    next[bucket] = position + 1
    records[position] = i
    addresses[position] = unsortedAddresses[i]!
    values[position] = pages === undefined ? page : pages[i]!
    if (--left === 0) {
      page++
      left = recordsPerPage
    }
  }
}

/** Sorts positions [start, end) by address, keeping arrival order for equal addresses. */
const insertionSort = (
  records: Uint32Array,
  addresses: Uint32Array,
  values: Uint16Array,
  start: number,
  end: number
): void => {
  for (let p = start + 1; p < end; p++) {
    const address = addresses[p]!
    if (addresses[p - 1]! <= address) continue
    const record = records[p]!
    const value = values[p]!
    let q = p - 1
    while (q >= start && addresses[q]! > address) {
      records[q + 1] = records[q]!
      addresses[q + 1] = addresses[q]!
      values[q + 1] = values[q]!
      q--
    }
    records[q + 1] = record
    addresses[q + 1] = address
    values[q + 1] = value
  }
}

/**
 * Builds the index of records 0 .. indexedRecords − 1 of `records` (32 bytes
 * each), inserted in that order. Record i is on record page
 * floor(i / recordsPerPage), or `pages[i]` when given (each below
 * recordPagesPerChapter; tests use it to insert in any order).
 */
export const buildOpenChapterIndex = (
  geometry: Geometry,
  source: Uint8Array,
  indexedRecords: number,
  pages?: Uint16Array
): OpenChapterIndex => {
  const listCount = geometry.deltaListsPerChapter
  const payloadBits = geometry.chapterPayloadBits
  const { addresses, listStarts, records, values } = sortEntries(geometry, source, indexedRecords, pages)
  const kept = scratch.kept(indexedRecords).fill(1)
  const listBits = new Uint32Array(listCount)
  const listEntries = new Uint32Array(listCount)
  let duplicates = sizeLists(source, records, addresses, values, listStarts, kept, payloadBits, listBits, listEntries)
  let overflows = 0
  for (let list = 0; list < listCount; list++) {
    if (listBits[list]! <= MAX_LIST_BITS) continue
    const replay = replayList(source, records, addresses, kept, listStarts[list]!, listStarts[list + 1]!, payloadBits)
    listBits[list] = replay.bits
    listEntries[list] = replay.entries
    overflows += replay.overflows
    duplicates += replay.duplicates - replay.bulkDuplicates
  }
  return { records, addresses, values, listStarts, kept, listBits, listEntries, overflows, duplicates }
}

/**
 * Sorts each list by address (arrival order for equal addresses), then sets
 * its bit size and entry count with all its entries, except repeated
 * collision names, which are marked not kept. Returns how many were.
 */
const sizeLists = (
  source: Uint8Array,
  records: Uint32Array,
  addresses: Uint32Array,
  values: Uint16Array,
  listStarts: Uint32Array,
  kept: Uint8Array,
  payloadBits: number,
  listBits: Uint32Array,
  listEntries: Uint32Array
): number => {
  const collisionBits = payloadBits + MIN_BITS + NAME_BITS
  let duplicates = 0
  for (let list = 0; list < listBits.length; list++) {
    const start = listStarts[list]!
    const end = listStarts[list + 1]!
    insertionSort(records, addresses, values, start, end)
    let bits = 0
    let entries = 0
    let previous = 0
    let normal = start
    for (let p = start; p < end; p++) {
      const address = addresses[p]!
      if (p === start || address !== previous) {
        bits += payloadBits + keyCodeBits(address - previous)
        entries++
        previous = address
        normal = p
      } else if (isRepeatedCollision(source, records, kept, normal, p)) {
        kept[p] = 0
        duplicates++
      } else {
        bits += collisionBits
        entries++
      }
    }
    listBits[list] = bits
    listEntries[list] = entries
  }
  return duplicates
}

/** Whether the name at position `at` equals a kept collision entry after the normal entry at `normal`. */
const isRepeatedCollision = (
  source: Uint8Array,
  records: Uint32Array,
  kept: Uint8Array,
  normal: number,
  at: number
): boolean => {
  const record = records[at]!
  for (let p = normal + 1; p < at; p++) {
    if (kept[p] === 1 && sameName(source, records[p]!, record)) return true
  }
  return false
}

interface Replay {
  readonly bits: number
  readonly entries: number
  readonly overflows: number
  readonly duplicates: number
  /** Duplicates the bulk pass had already counted for this list. */
  readonly bulkDuplicates: number
}

/**
 * Replays the inserts of one list (positions [from, to) of `records`) in
 * arrival order, refusing each insert that would grow the list past 65535
 * bits (chapter-index.md §6.6) or that repeats a collision entry's name.
 * Rewrites `kept` for those positions.
 */
const replayList = (
  source: Uint8Array,
  records: Uint32Array,
  addresses: Uint32Array,
  kept: Uint8Array,
  from: number,
  to: number,
  payloadBits: number
): Replay => {
  let bulkDuplicates = 0
  const positions: Array<number> = []
  for (let p = from; p < to; p++) {
    if (kept[p] === 0) bulkDuplicates++
    kept[p] = 0
    positions.push(p)
  }
  positions.sort((a, b) => records[a]! - records[b]!)
  const keys: Array<number> = []
  const collisions = new Map<number, Array<number>>()
  let bits = 0
  let entries = 0
  let overflows = 0
  let duplicates = 0
  for (const p of positions) {
    const record = records[p]!
    const address = addresses[p]!
    let low = 0
    let high = keys.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (keys[mid]! < address) low = mid + 1
      else high = mid
    }
    let growth: number
    const existing = keys[low] === address ? collisions.get(address) : undefined
    if (existing !== undefined) {
      if (existing.some((other) => sameName(source, other, record))) {
        duplicates++
        continue
      }
      growth = payloadBits + MIN_BITS + NAME_BITS
    } else {
      const previous = low > 0 ? keys[low - 1]! : 0
      growth = payloadBits + keyCodeBits(address - previous)
      if (low < keys.length) {
        const following = keys[low]!
        growth += keyCodeBits(following - address) - keyCodeBits(following - previous)
      }
    }
    if (bits + growth > MAX_LIST_BITS) {
      overflows++
      continue
    }
    bits += growth
    entries++
    kept[p] = 1
    if (existing !== undefined) {
      existing.push(record)
    } else {
      keys.splice(low, 0, address)
      collisions.set(address, [])
    }
  }
  return { bits, entries, overflows, duplicates, bulkDuplicates }
}
