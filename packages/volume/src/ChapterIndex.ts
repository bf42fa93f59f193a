/**
 * The chapter index: the index pages at the start of every chapter, which map
 * each record name of the chapter to the record page holding it
 * (spec/chapter-index.md). Pure codecs, byte-exact with the reference.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import type { Geometry } from "./Geometry.js"
import { chapterDeltaList } from "./internal/format/chapterHash.js"
import { decodeIndexPage } from "./internal/format/indexPageDecoder.js"
import { packIndexPages } from "./internal/format/indexPagePacker.js"
import { buildOpenChapterIndex } from "./internal/format/openChapterIndex.js"
import { CorruptData } from "./VolumeError.js"

/** A decoded, fully validated index page. */
export interface IndexPage {
  /** The virtual chapter the page says it belongs to. */
  readonly virtualChapter: number
  /** The first delta list on the page. */
  readonly lowestList: number
  /** lowestList + listCount − 1, as a u32 (0xFFFFFFFF for an empty page at list 0). */
  readonly highestList: number
  /** The number of delta lists on the page. */
  readonly listCount: number
  /** The raw page: the page's own copy, which its search reads; do not change it. */
  readonly bytes: Uint8Array
  /**
   * The record page (within the chapter) the index gives for `name`, or
   * `undefined` for none. Unless the name was stored as a collision entry
   * the answer is a hint: the record page must confirm the name. A name
   * whose delta list is not on this page gives `undefined`.
   */
  search(name: Uint8Array): number | undefined
}

/** A packed chapter index, with what the volume needs next to the pages. */
export interface PackedChapter {
  /** The chapter's `indexPagesPerChapter` index pages. */
  readonly pages: ReadonlyArray<Uint8Array>
  /** The same pages, decoded. */
  readonly decoded: ReadonlyArray<IndexPage>
  /** What the index page map records for each page: lists packed on pages 0..k, minus 1. */
  readonly highestLists: ReadonlyArray<number>
  /**
   * Records that cannot be found through the index: refused because their
   * delta list would exceed 65535 bits, or dropped with their list to fit
   * the last page.
   */
  readonly overflows: number
  /**
   * Records refused because the same name was already in the chapter twice
   * (the reference's BAD_STATE: a name may be indexed at most twice, as the
   * normal entry and as one collision entry). They stay on their record
   * pages; the index points at an earlier copy.
   */
  readonly duplicates: number
}

/**
 * Builds the index pages of a chapter from its records (32 bytes each, record
 * i on record page floor(i / recordsPerPage)), indexing only records
 * 0 .. indexedRecords − 1 (the rest of a short chapter are fill copies the
 * reference does not index). The caller passes a valid geometry, at least
 * `indexedRecords` records, and a non-negative safe-integer chapter.
 *
 * Throws only when the last index page cannot hold even the empty delta
 * lists left for it (the reference fails the chapter write with OVERFLOW),
 * which needs adversarially chosen names.
 */
export const packChapter = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array,
  indexedRecords: number
): PackedChapter => {
  const index = buildOpenChapterIndex(geometry, records, indexedRecords)
  const packed = packIndexPages(geometry, nonce, virtualChapter, records, index)
  return {
    pages: packed.pages,
    decoded: packed.decoded,
    highestLists: packed.highestLists,
    overflows: index.overflows + packed.dropped,
    duplicates: index.duplicates
  }
}

/**
 * The `indexPagesPerChapter` index pages of a whole chapter of
 * `recordsPerChapter` records, byte-exact with the reference (zeros where
 * the reference leaves stale bytes between the list data and the guard).
 */
export const pack = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array
): ReadonlyArray<Uint8Array> => packChapter(geometry, nonce, virtualChapter, records, geometry.recordsPerChapter).pages

/**
 * Decodes an index page, checking its header against the volume nonce
 * (little-endian, then big-endian as old hosts wrote it) and walking every
 * list, so the page can be searched without errors. Fails with
 * `CorruptData` saying what did not match (also for a virtual chapter above
 * Number.MAX_SAFE_INTEGER, 2^64 − 1 included, and a list longer than the
 * 65535 bits a built list can have); never throws. The page keeps a copy
 * of `bytes`, so the caller may reuse them.
 */
export const decodePage = (
  geometry: Geometry,
  nonce: bigint,
  bytes: Uint8Array
): Either.Either<IndexPage, CorruptData> => {
  const result = decodeIndexPage(geometry, nonce, bytes)
  return typeof result === "string" ? Either.left(new CorruptData({ message: result })) : Either.right(result)
}

/** The chapter delta list of a 16-byte name (bytes 8..13, spec/chapter-index.md §1). */
export const deltaList = (geometry: Geometry, name: Uint8Array): number =>
  chapterDeltaList(name, 0, geometry.chapterAddressBits, geometry.deltaListsPerChapter - 1)
