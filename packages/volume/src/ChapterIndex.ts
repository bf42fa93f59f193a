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
import { selectIndexed } from "./internal/format/indexedRecords.js"
import { buildOpenChapterIndex } from "./internal/format/openChapterIndex.js"
import { CorruptData, InvalidArgument } from "./VolumeError.js"
import { checkName, describeValue } from "./internal/volume/volumeInput.js"

/**
 * A decoded, fully validated index page.
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * A packed chapter index, with what the volume needs next to the pages.
 *
 * @since 0.1.0
 * @category models
 */
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

const NONCE_LIMIT = 1n << 64n

/**
 * The `InvalidArgument` for input `packChapter` cannot take, or `undefined`:
 * a nonce that is not a u64 bigint, a virtual chapter that is not a
 * non-negative safe integer, records that are not one whole chapter
 * (`recordsPerChapter` × 32 bytes), `indexedRecords` not from 0 to
 * `recordsPerChapter`, or an `indexed` mask shorter than `indexedRecords`.
 *
 * @since 0.1.0
 * @category validation
 */
export const validatePackInput = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array,
  indexedRecords: number = geometry.recordsPerChapter,
  indexed?: Uint8Array
): InvalidArgument | undefined => {
  const invalid = (message: string) => new InvalidArgument({ message: `ChapterIndex.pack: ${message}` })
  if (typeof nonce !== "bigint" || nonce < 0n || nonce >= NONCE_LIMIT) {
    return invalid(`the nonce must be a bigint from 0 to 2^64 - 1, got ${describeValue(nonce)}`)
  }
  if (!Number.isSafeInteger(virtualChapter) || virtualChapter < 0) {
    return invalid(`the virtual chapter must be a non-negative integer, got ${describeValue(virtualChapter)}`)
  }
  const size = geometry.recordsPerChapter * 32
  if (!(records instanceof Uint8Array) || records.length !== size) {
    return invalid(
      `records must be a whole chapter of ${geometry.recordsPerChapter} records (${size} bytes), got ` +
        describeValue(records)
    )
  }
  if (!Number.isSafeInteger(indexedRecords) || indexedRecords < 0 || indexedRecords > geometry.recordsPerChapter) {
    return invalid(`indexedRecords must be an integer from 0 to ${geometry.recordsPerChapter}, got ${describeValue(indexedRecords)}`)
  }
  if (indexed !== undefined && (!(indexed instanceof Uint8Array) || indexed.length < indexedRecords)) {
    return invalid(`indexed must be a Uint8Array of at least indexedRecords (${indexedRecords}) bytes, got ${describeValue(indexed)}`)
  }
  return undefined
}

/**
 * Builds the index pages of a chapter from its records (32 bytes each, record
 * i on record page floor(i / recordsPerPage)); with `indexed`, only the
 * records i below `indexedRecords` whose `indexed[i]` is not 0 (collation's
 * fill copies are left out, as the reference leaves them), else records
 * 0 .. indexedRecords − 1 (the rest of a short chapter are fill copies the
 * reference does not index).
 *
 * Throws the `InvalidArgument` of {@link validatePackInput} for input it
 * cannot take; otherwise throws only a plain `Error` when the last index page
 * cannot hold even the empty delta lists left for it (the reference fails the
 * chapter write with OVERFLOW), which needs adversarially chosen names.
 *
 * @since 0.1.0
 * @category encoding
 */
export const packChapter = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array,
  indexedRecords: number,
  indexed?: Uint8Array
): PackedChapter => {
  const bad = validatePackInput(geometry, nonce, virtualChapter, records, indexedRecords, indexed)
  if (bad !== undefined) throw bad
  const selected = indexed === undefined ? undefined : selectIndexed(geometry, records, indexedRecords, indexed)
  const source = selected === undefined ? records : selected.source
  const index = selected === undefined
    ? buildOpenChapterIndex(geometry, records, indexedRecords)
    : buildOpenChapterIndex(geometry, selected.source, selected.count, selected.pages)
  const packed = packIndexPages(geometry, nonce, virtualChapter, source, index)
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
 * Throws as {@link packChapter} does: the `InvalidArgument` of
 * {@link validatePackInput} for bad input; {@link packEither} returns it.
 *
 * @since 0.1.0
 * @category encoding
 */
export const pack = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array
): ReadonlyArray<Uint8Array> => packChapter(geometry, nonce, virtualChapter, records, geometry.recordsPerChapter).pages

/**
 * {@link pack} without throwing: `InvalidArgument` for bad input, and for
 * names that overflow the chapter's index pages.
 *
 * @since 0.1.0
 * @category encoding
 */
export const packEither = (
  geometry: Geometry,
  nonce: bigint,
  virtualChapter: number,
  records: Uint8Array
): Either.Either<ReadonlyArray<Uint8Array>, InvalidArgument> => {
  const bad = validatePackInput(geometry, nonce, virtualChapter, records)
  if (bad !== undefined) return Either.left(bad)
  try {
    return Either.right(pack(geometry, nonce, virtualChapter, records))
  } catch (cause) {
    return Either.left(new InvalidArgument({ message: `ChapterIndex.pack: ${(cause as Error).message}` }))
  }
}

/**
 * Decodes an index page, checking its header against the volume nonce
 * (little-endian, then big-endian as old hosts wrote it) and walking every
 * list, so the page can be searched without errors. Fails with
 * `CorruptData` saying what did not match (also for bytes that are not a
 * Uint8Array of `bytesPerPage` bytes, a virtual chapter above
 * Number.MAX_SAFE_INTEGER, 2^64 − 1 included, and a list longer than the
 * 65535 bits a built list can have). Whatever the bytes, it throws only the
 * `InvalidArgument` for a nonce that is not a u64 bigint (a caller's bug,
 * not a bad page). The page keeps a copy of `bytes`, so the caller may reuse
 * them.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodePage = (
  geometry: Geometry,
  nonce: bigint,
  bytes: Uint8Array
): Either.Either<IndexPage, CorruptData> => {
  if (typeof nonce !== "bigint" || nonce < 0n || nonce >= NONCE_LIMIT) {
    throw new InvalidArgument({ message: `ChapterIndex.decodePage: the nonce must be a bigint from 0 to 2^64 - 1, got ${describeValue(nonce)}` })
  }
  if (!(bytes instanceof Uint8Array)) {
    return Either.left(new CorruptData({ message: `an index page must be a Uint8Array of ${geometry.bytesPerPage} bytes, got ${describeValue(bytes)}` }))
  }
  const result = decodeIndexPage(geometry, nonce, bytes)
  return typeof result === "string" ? Either.left(new CorruptData({ message: result })) : Either.right(result)
}

/**
 * The chapter delta list of a 16-byte name (bytes 8..13, spec/chapter-index.md §1).
 * Throws the `InvalidArgument` for a name that is not a Uint8Array of 16 bytes.
 *
 * @since 0.1.0
 * @category utils
 */
export const deltaList = (geometry: Geometry, name: Uint8Array): number => {
  const invalid = checkName(name)
  if (invalid !== undefined) throw invalid
  return chapterDeltaList(name, 0, geometry.chapterAddressBits, geometry.deltaListsPerChapter - 1)
}
