/**
 * Packs a chapter's delta lists onto its index pages (chapter-index.md §7):
 * greedy, page by page, dropping whole lists when a list alone does not fit
 * an empty page or when the last page runs out of room.
 *
 * @internal
 */
import {
  type Geometry,
  INDEX_PAGE_GUARD_BYTES,
  INDEX_PAGE_HEADER_BYTES,
  LIST_OFFSET_BITS
} from "../Geometry.js"
import { BitWriter } from "./bitStream.js"
import { MIN_BITS, putKeyCode } from "./deltaCode.js"
import { type OpenChapterIndex, recordPageOf } from "./openChapterIndex.js"
import { PackedIndexPage } from "./packedIndexPage.js"

/** A chapter's index pages, their decoded form and their index page map entries. */
export interface PackedChapterIndex {
  readonly pages: ReadonlyArray<Uint8Array>
  readonly decoded: ReadonlyArray<PackedIndexPage>
  /** Per page: lists packed on pages 0..k, minus 1. */
  readonly highestLists: ReadonlyArray<number>
  /** Entries removed with their list to make the chapter fit. */
  readonly dropped: number
}

/**
 * Packs the lists of `index` onto `geometry.indexPagesPerChapter` pages
 * stamped with `nonce` and `virtualChapter`. Throws only when the last page
 * cannot hold even the empty lists left for it (the reference fails the
 * chapter write with OVERFLOW there); valid geometries with non-adversarial
 * names never get there.
 */
export const packIndexPages = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array,
  index: OpenChapterIndex
): PackedChapterIndex => {
  const listCount = geometry.deltaListsPerChapter
  const pageCount = geometry.indexPagesPerChapter
  const listBits = index.listBits
  const listEntries = index.listEntries
  const free = 8 * geometry.bytesPerPage - (INDEX_PAGE_HEADER_BYTES * 8 + LIST_OFFSET_BITS) -
    8 * INDEX_PAGE_GUARD_BYTES
  const pages: Array<Uint8Array> = []
  const decoded: Array<PackedIndexPage> = []
  const highestLists: Array<number> = []
  let dropped = 0
  let first = 0
  for (let page = 0; page < pageCount; page++) {
    let taken: number
    for (;;) {
      let room = free
      taken = 0
      while (first + taken < listCount && LIST_OFFSET_BITS + listBits[first + taken]! <= room) {
        room -= LIST_OFFSET_BITS + listBits[first + taken]!
        taken++
      }
      if (first + taken === listCount || (taken > 0 && page < pageCount - 1)) break
      // The first list that did not fit or, if that one is empty, the last one that did and has entries.
      let candidate = first + taken
      while (candidate >= first && listEntries[candidate] === 0) candidate--
      if (candidate < first) {
        throw new Error(
          `chapter ${virtualChapter}: index page ${page} of ${geometry.bytesPerPage} bytes cannot hold ` +
            `the ${listCount - first} delta lists left for it`
        )
      }
      dropped += listEntries[candidate]!
      listEntries[candidate] = 0
      listBits[candidate] = 0
    }
    const packed = writePage(geometry, nonce, virtualChapter, records, index, first, taken)
    pages.push(packed.bytes)
    decoded.push(packed)
    first += taken
    highestLists.push(first - 1)
  }
  return { pages, decoded, highestLists, dropped }
}

/** Writes one page holding lists first .. first + count − 1. */
const writePage = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array,
  index: OpenChapterIndex,
  first: number,
  count: number
): PackedIndexPage => {
  const bytes = new Uint8Array(geometry.bytesPerPage)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, BigInt.asUintN(64, nonce), true)
  view.setUint32(8, virtualChapter % 2 ** 32, true)
  view.setUint32(12, Math.floor(virtualChapter / 2 ** 32), true)
  // A page after the last list of a 65536-list chapter starts at list 65536, stored as u16.
  const lowestList = first & 0xffff
  view.setUint16(16, lowestList, true)
  view.setUint16(18, count, true)

  const starts = new Uint32Array(count + 1)
  let offset = INDEX_PAGE_HEADER_BYTES * 8 + LIST_OFFSET_BITS * (count + 1)
  const writer = new BitWriter(bytes, INDEX_PAGE_HEADER_BYTES)
  for (let j = 0; j <= count; j++) {
    starts[j] = offset
    writer.put(offset, LIST_OFFSET_BITS)
    if (j < count) offset += index.listBits[first + j]!
  }
  for (let j = 0; j < count; j++) {
    if (index.listEntries[first + j]! > 0) writeList(geometry, records, index, first + j, writer)
  }
  writer.flush()
  bytes.fill(0xff, bytes.length - INDEX_PAGE_GUARD_BYTES)
  return new PackedIndexPage(
    bytes,
    virtualChapter,
    lowestList,
    (lowestList + count - 1) >>> 0,
    count,
    starts,
    geometry.chapterPayloadBits,
    geometry.chapterAddressBits,
    geometry.deltaListsPerChapter - 1
  )
}

/**
 * Writes the kept entries of `list`: in each run of equal addresses, the
 * first kept arrival as the normal entry, then the other kept arrivals,
 * newest first, as collision entries.
 */
const writeList = (
  geometry: Geometry,
  records: Uint8Array,
  index: OpenChapterIndex,
  list: number,
  writer: BitWriter
): void => {
  const { addresses, kept, order } = index
  const payloadBits = geometry.chapterPayloadBits
  const recordsPerPage = geometry.recordsPerPage
  const end = index.listStarts[list + 1]!
  let previous = 0
  let p = index.listStarts[list]!
  while (p < end) {
    const address = addresses[order[p]!]!
    let groupEnd = p + 1
    while (groupEnd < end && addresses[order[groupEnd]!] === address) groupEnd++
    let normal = p
    while (normal < groupEnd && kept[normal] === 0) normal++
    if (normal < groupEnd) {
      writer.put(recordPageOf(index, order[normal]!, recordsPerPage), payloadBits)
      putKeyCode(writer, address - previous)
      previous = address
      for (let q = groupEnd - 1; q > normal; q--) {
        if (kept[q] === 0) continue
        const record = order[q]!
        writer.put(recordPageOf(index, record, recordsPerPage), payloadBits)
        writer.skip(MIN_BITS)
        writer.putName(records, record * 32)
      }
    }
    p = groupEnd
  }
}
