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
import type { Geometry } from "../Geometry.js"
import { chapterAddress, chapterDeltaList } from "./chapterHash.js"
import { keyCodeBits, MIN_BITS } from "./deltaCode.js"

/** The in-memory list size is a u16 in the reference. */
const MAX_LIST_BITS = 65535
const COLLISION_NAME_BITS = 128
const BYTES_PER_RECORD = 32

/** One chapter's delta lists, sorted and sized, ready to be packed into pages. */
export interface OpenChapterIndex {
  /** Record numbers sorted by (delta list, address, arrival). */
  readonly order: Uint32Array
  /** deltaListsPerChapter + 1 positions in `order`: list j is [listStarts[j], listStarts[j + 1]). */
  readonly listStarts: Uint32Array
  /** The address of every indexed record, by record number. */
  readonly addresses: Uint32Array
  /** Per position in `order`: 1 if the entry is in the index, 0 if it was refused. */
  readonly kept: Uint8Array
  /** Bit size of each list's entries. */
  readonly listBits: Uint32Array
  /** Number of entries in each list. */
  readonly listEntries: Uint32Array
  /** Entries refused because their list would have grown past 65535 bits. */
  readonly overflows: number
  /** Entries refused because the same name was already a collision entry. */
  readonly duplicates: number
  /** The record page of each record, when not floor(record / recordsPerPage). */
  readonly pages: Uint16Array | undefined
}

/** The record page the index stores for `record`. */
export const recordPageOf = (index: OpenChapterIndex, record: number, recordsPerPage: number): number =>
  index.pages === undefined ? Math.floor(record / recordsPerPage) : index.pages[record]!

const sameName = (records: Uint8Array, a: number, b: number): boolean => {
  const x = a * BYTES_PER_RECORD
  const y = b * BYTES_PER_RECORD
  for (let i = 0; i < 16; i++) if (records[x + i] !== records[y + i]) return false
  return true
}

/**
 * Sorts records 0 .. count − 1 by (list, address), stably: a counting sort on
 * the list and the top bits of the address, then an insertion sort inside
 * each bucket (about one record per bucket).
 */
const sortEntries = (
  lists: Uint16Array,
  addresses: Uint32Array,
  count: number,
  listCount: number,
  addressBits: number
): { readonly order: Uint32Array; readonly listStarts: Uint32Array } => {
  let topBits = 0
  while (topBits < addressBits && topBits < 16 && listCount * 2 ** (topBits + 1) <= count) topBits++
  const shift = addressBits - topBits
  const buckets = listCount << topBits
  const bucketStarts = new Uint32Array(buckets + 1)
  for (let i = 0; i < count; i++) {
    const bucket = ((lists[i]! << topBits) | (addresses[i]! >>> shift)) + 1
    bucketStarts[bucket] = bucketStarts[bucket]! + 1
  }
  for (let b = 0; b < buckets; b++) bucketStarts[b + 1] = bucketStarts[b + 1]! + bucketStarts[b]!
  const next = bucketStarts.slice(0, buckets)
  const order = new Uint32Array(count)
  for (let i = 0; i < count; i++) {
    const bucket = (lists[i]! << topBits) | (addresses[i]! >>> shift)
    const position = next[bucket]!
    next[bucket] = position + 1
    order[position] = i
  }
  for (let b = 0; b < buckets; b++) {
    const start = bucketStarts[b]!
    const end = bucketStarts[b + 1]!
    for (let p = start + 1; p < end; p++) {
      const record = order[p]!
      const address = addresses[record]!
      let q = p - 1
      while (q >= start && addresses[order[q]!]! > address) {
        order[q + 1] = order[q]!
        q--
      }
      order[q + 1] = record
    }
  }
  const listStarts = new Uint32Array(listCount + 1)
  for (let j = 0; j <= listCount; j++) listStarts[j] = bucketStarts[j << topBits]!
  return { order, listStarts }
}

/**
 * Builds the index of records 0 .. indexedRecords − 1 of `records` (32 bytes
 * each), inserted in that order. Record i is on record page
 * floor(i / recordsPerPage), or `pages[i]` when given (each below
 * recordPagesPerChapter; tests use it to insert in any order).
 */
export const buildOpenChapterIndex = (
  geometry: Geometry,
  records: Uint8Array,
  indexedRecords: number,
  pages?: Uint16Array
): OpenChapterIndex => {
  const addressBits = geometry.chapterAddressBits
  const listCount = geometry.deltaListsPerChapter
  const listMask = listCount - 1
  const payloadBits = geometry.chapterPayloadBits
  const count = indexedRecords
  const lists = new Uint16Array(count)
  const addresses = new Uint32Array(count)
  for (let i = 0, offset = 0; i < count; i++, offset += BYTES_PER_RECORD) {
    lists[i] = chapterDeltaList(records, offset, addressBits, listMask)
    addresses[i] = chapterAddress(records, offset, addressBits)
  }
  const { order, listStarts } = sortEntries(lists, addresses, count, listCount, addressBits)
  const kept = new Uint8Array(count).fill(1)
  const listBits = new Uint32Array(listCount)
  const listEntries = new Uint32Array(listCount)
  const collisionBits = payloadBits + MIN_BITS + COLLISION_NAME_BITS
  let overflows = 0
  let duplicates = 0
  for (let list = 0; list < listCount; list++) {
    const end = listStarts[list + 1]!
    let bits = 0
    let entries = 0
    let previous = 0
    for (let p = listStarts[list]!; p < end;) {
      const address = addresses[order[p]!]!
      bits += payloadBits + keyCodeBits(address - previous)
      entries++
      previous = address
      let q = p + 1
      for (; q < end && addresses[order[q]!] === address; q++) {
        if (isRepeatedCollision(records, order, kept, p + 1, q)) {
          kept[q] = 0
          duplicates++
        } else {
          bits += collisionBits
          entries++
        }
      }
      p = q
    }
    if (bits > MAX_LIST_BITS) {
      const replay = replayList(records, order, addresses, kept, listStarts[list]!, end, payloadBits)
      bits = replay.bits
      entries = replay.entries
      overflows += replay.overflows
      duplicates += replay.duplicates - replay.bulkDuplicates
    }
    listBits[list] = bits
    listEntries[list] = entries
  }
  return { order, listStarts, addresses, kept, listBits, listEntries, overflows, duplicates, pages }
}

/** Whether the name at position `at` equals a kept collision entry at positions [from, at). */
const isRepeatedCollision = (
  records: Uint8Array,
  order: Uint32Array,
  kept: Uint8Array,
  from: number,
  at: number
): boolean => {
  const record = order[at]!
  for (let p = from; p < at; p++) {
    if (kept[p] === 1 && sameName(records, order[p]!, record)) return true
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
 * Replays the inserts of one list (positions [from, to) of `order`) in
 * arrival order, refusing each insert that would grow the list past 65535
 * bits (chapter-index.md §6.6) or that repeats a collision entry's name.
 * Rewrites `kept` for those positions.
 */
const replayList = (
  records: Uint8Array,
  order: Uint32Array,
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
  positions.sort((a, b) => order[a]! - order[b]!)
  const keys: Array<number> = []
  const collisions = new Map<number, Array<number>>()
  let bits = 0
  let entries = 0
  let overflows = 0
  let duplicates = 0
  for (const p of positions) {
    const record = order[p]!
    const address = addresses[record]!
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
      if (existing.some((other) => sameName(records, other, record))) {
        duplicates++
        continue
      }
      growth = payloadBits + MIN_BITS + COLLISION_NAME_BITS
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
