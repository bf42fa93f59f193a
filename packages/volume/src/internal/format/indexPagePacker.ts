/**
 * Packs a chapter's delta lists onto its index pages (chapter-index.md §7):
 * greedy, page by page, dropping whole lists when a list alone does not fit
 * an empty page or when the last page runs out of room.
 *
 * @internal
 */
import {
  BYTES_PER_RECORD,
  type Geometry,
  INDEX_PAGE_GUARD_BYTES,
  INDEX_PAGE_HEADER_BYTES,
  LIST_OFFSET_BITS
} from "../../Geometry.js"
import { BitWriter } from "./bitStream.js"
import { putValueAndKeyCode } from "./deltaCode.js"
import type { OpenChapterIndex } from "./openChapterIndex.js"
import { type PackedIndexPage, PageEntriesBuilder } from "./packedIndexPage.js"

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
  let entries = 0
  for (let j = 0; j < count; j++) entries += index.listEntries[first + j]!
  const builder = new PageEntriesBuilder(entries, count, geometry.bytesPerPage)
  const bytes = builder.page
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  view.setBigUint64(0, BigInt.asUintN(64, nonce), true)
  view.setUint32(8, virtualChapter % 2 ** 32, true)
  view.setUint32(12, Math.floor(virtualChapter / 2 ** 32), true)
  // A page after the last list of a 65536-list chapter starts at list 65536, stored as u16.
  const lowestList = first & 0xffff
  view.setUint16(16, lowestList, true)
  view.setUint16(18, count, true)

  let offset = INDEX_PAGE_HEADER_BYTES * 8 + LIST_OFFSET_BITS * (count + 1)
  const writer = new BitWriter(bytes, INDEX_PAGE_HEADER_BYTES)
  for (let j = 0; j <= count; j++) {
    builder.listStart(j, offset)
    writer.put(offset, LIST_OFFSET_BITS)
    if (j < count) offset += index.listBits[first + j]!
  }
  for (let j = 0; j < count; j++) {
    if (index.listEntries[first + j]! > 0) writeList(geometry, records, index, first + j, writer, builder)
    builder.endList()
  }
  writer.flush()
  bytes.fill(0xff, bytes.length - INDEX_PAGE_GUARD_BYTES)
  return builder.finish(virtualChapter, lowestList, {
    payloadBits: geometry.chapterPayloadBits,
    addressBits: geometry.chapterAddressBits,
    listMask: geometry.deltaListsPerChapter - 1
  })
}

/**
 * Writes the kept entries of `list`. An address with several names is
 * written by `writeGroup`.
 */
const writeList = (
  geometry: Geometry,
  source: Uint8Array,
  index: OpenChapterIndex,
  list: number,
  writer: BitWriter,
  builder: PageEntriesBuilder
): void => {
  const { addresses, kept, values } = index
  const payloadBits = geometry.chapterPayloadBits
  const end = index.listStarts[list + 1]!
  let previous = 0
  let p = index.listStarts[list]!
  while (p < end) {
    const address = addresses[p]!
    let groupEnd = p + 1
    while (groupEnd < end && addresses[groupEnd] === address) groupEnd++
    if (groupEnd > p + 1) {
      if (writeGroup(geometry, source, index, p, groupEnd, address - previous, writer, builder)) previous = address
    } else if (kept[p] === 1) {
      const value = values[p]!
      putValueAndKeyCode(writer, value, payloadBits, address - previous)
      builder.normal(address, value)
      previous = address
    }
    p = groupEnd
  }
}

/**
 * Writes the names of one address (positions [from, to), in arrival order):
 * the first kept arrival as the normal entry, then the other kept arrivals,
 * newest first, as collision entries. Returns whether anything was written.
 */
const writeGroup = (
  geometry: Geometry,
  source: Uint8Array,
  index: OpenChapterIndex,
  from: number,
  to: number,
  delta: number,
  writer: BitWriter,
  builder: PageEntriesBuilder
): boolean => {
  const { addresses, kept, records, values } = index
  const payloadBits = geometry.chapterPayloadBits
  let normal = from
  while (normal < to && kept[normal] === 0) normal++
  if (normal === to) return false
  const value = values[normal]!
  putValueAndKeyCode(writer, value, payloadBits, delta)
  builder.normal(addresses[normal]!, value)
  for (let q = to - 1; q > normal; q--) {
    if (kept[q] === 0) continue
    builder.collision(writer.bit)
    putValueAndKeyCode(writer, values[q]!, payloadBits, 0)
    writer.putName(source, records[q]! * BYTES_PER_RECORD)
  }
  return true
}
