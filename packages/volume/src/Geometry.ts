/**
 * The numbers that fix the shape of a volume: page size, pages per chapter,
 * chapters per volume, and everything the reference derives from them.
 *
 * `make` and `fromMemorySize` check their input and fail with
 * `InvalidArgument`. The chapter arithmetic (`mapToPhysicalChapter`,
 * `physicalPage`, ...) is unchecked, for the hot paths: it takes a geometry
 * from `make` and numbers, never throws, and for numbers that are not
 * chapters or pages in range its answer means nothing.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import { InvalidArgument } from "./VolumeError.js"
import { describeValue } from "./internal/volume/volumeInput.js"

/**
 * Bytes in a record: a 16-byte name followed by 16 bytes of data.
 *
 * @since 0.1.0
 * @category constants
 */
export const BYTES_PER_RECORD = 32
/**
 * Bytes in a record name.
 *
 * @since 0.1.0
 * @category constants
 */
export const NAME_SIZE = 16
/**
 * Bytes of record data.
 *
 * @since 0.1.0
 * @category constants
 */
export const DATA_SIZE = 16
/**
 * The chapter index always codes deltas around this mean.
 *
 * @since 0.1.0
 * @category constants
 */
export const CHAPTER_MEAN_DELTA = 65536
/**
 * Physical page 0 of the volume is a reserved header page.
 *
 * @since 0.1.0
 * @category constants
 */
export const HEADER_PAGES_PER_VOLUME = 1
/**
 * Header bytes of a packed index page.
 *
 * @since 0.1.0
 * @category constants
 */
export const INDEX_PAGE_HEADER_BYTES = 20
/**
 * Width of one list offset in an index page's offset table.
 *
 * @since 0.1.0
 * @category constants
 */
export const LIST_OFFSET_BITS = 19
/**
 * Trailing 0xFF guard bytes of every index page.
 *
 * @since 0.1.0
 * @category constants
 */
export const INDEX_PAGE_GUARD_BYTES = 7

/**
 * An immutable volume geometry, with every value the reference derives.
 *
 * @since 0.1.0
 * @category models
 */
export interface Geometry {
  readonly bytesPerPage: number
  readonly recordsPerPage: number
  readonly recordPagesPerChapter: number
  readonly recordsPerChapter: number
  readonly indexPagesPerChapter: number
  readonly pagesPerChapter: number
  readonly chaptersPerVolume: number
  readonly sparseChaptersPerVolume: number
  readonly denseChaptersPerVolume: number
  readonly recordsPerVolume: number
  readonly pagesPerVolume: number
  readonly bytesPerVolume: number
  readonly headerPagesPerVolume: number
  readonly deltaListsPerChapter: number
  readonly chapterMeanDelta: number
  readonly chapterPayloadBits: number
  readonly chapterAddressBits: number
  readonly chapterDeltaListBits: number
  readonly remappedVirtual: number
  readonly remappedPhysical: number
}

/**
 * The primary values a geometry is made from; every other field is derived.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly bytesPerPage?: number
  readonly recordPagesPerChapter?: number
  readonly chaptersPerVolume?: number
  readonly sparseChaptersPerVolume?: number
  readonly remappedVirtual?: number
  readonly remappedPhysical?: number
}

/**
 * Bits needed to write `n` in binary; 1 for 0 and 1.
 *
 * @since 0.1.0
 * @category utils
 */
export const bitsPer = (n: number): number => (n < 2 ? 1 : Math.floor(Math.log2(n)) + 1)

/**
 * The delta coding constants for a mean delta (chapter-index.md §5).
 *
 * @since 0.1.0
 * @category utils
 */
export const codingConstants = (meanDelta: number) => {
  const incrKeys = Math.floor((836158 * meanDelta + 603160) / 1206321)
  const minBits = bitsPer(incrKeys + 1)
  const minKeys = 2 ** minBits - incrKeys
  return { incrKeys, minBits, minKeys }
}

// The packed chapter index size estimate, fixed at creation (geometry.md §3.1).
const estimateIndexPages = (
  bytesPerPage: number,
  recordsPerChapter: number,
  deltaLists: number,
  payloadBits: number
): number => {
  const { minBits } = codingConstants(CHAPTER_MEAN_DELTA)
  let indexBits = recordsPerChapter * (payloadBits + minBits + 1) + Math.floor(recordsPerChapter / 2)
  const bitsPerList = Math.floor(indexBits / deltaLists)
  indexBits += deltaLists * LIST_OFFSET_BITS
  // The reference computes in unsigned 32-bit arithmetic: with tiny pages the
  // slack can exceed the page, wrap around, and give one index page.
  const pageBits = ((bytesPerPage - INDEX_PAGE_HEADER_BYTES) * 8 - LIST_OFFSET_BITS - bitsPerList) >>> 0
  return Math.ceil(indexBits / pageBits)
}

/**
 * The most record pages a chapter may have: the page cache must hold at
 * least one chapter's record pages, and its slots are numbered with 15 bits
 * (geometry.md §5: cache_chapters × record_pages_per_chapter ≤ 32767).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_RECORD_PAGES_PER_CHAPTER = 32767

const invalid = (message: string) => new InvalidArgument({ message })

const checkInteger = (field: string, value: unknown, min: number, max: number) =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
    ? undefined
    : invalid(`Geometry.${field} must be an integer from ${min} to ${max}, got ${describeValue(value)}`)

// Options must be an object (or absent): anything else is a caller's mistake, not a crash.
const checkOptions = (what: string, options: unknown) =>
  options === undefined || (typeof options === "object" && options !== null && !Array.isArray(options))
    ? undefined
    : invalid(`${what}: options must be an object or omitted, got ${describeValue(options)}`)

/**
 * Builds a geometry from its primary values, deriving every other field
 * exactly as the reference does. Fails with `InvalidArgument`, naming the
 * field and its allowed range, for a geometry the on-disk formats cannot hold,
 * for options that are not an object, and for `recordPagesPerChapter` above
 * {@link MAX_RECORD_PAGES_PER_CHAPTER} (no page cache could hold a chapter).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Geometry, InvalidArgument> => {
  const badOptions = checkOptions("Geometry.make", options)
  if (badOptions !== undefined) return Effect.fail(badOptions)
  const bytesPerPage = options.bytesPerPage ?? 32768
  const recordPagesPerChapter = options.recordPagesPerChapter ?? 256
  const chaptersPerVolume = options.chaptersPerVolume ?? 1024
  const sparseChaptersPerVolume = options.sparseChaptersPerVolume ?? 0
  const remappedVirtual = options.remappedVirtual ?? 0
  const remappedPhysical = options.remappedPhysical ?? 0

  const rangeError =
    checkInteger("bytesPerPage", bytesPerPage, 32, 65536) ??
    checkInteger("recordPagesPerChapter", recordPagesPerChapter, 1, MAX_RECORD_PAGES_PER_CHAPTER) ??
    checkInteger("chaptersPerVolume", chaptersPerVolume, 1, 2 ** 32 - 1) ??
    checkInteger("sparseChaptersPerVolume", sparseChaptersPerVolume, 0, chaptersPerVolume - 1) ??
    checkInteger("remappedVirtual", remappedVirtual, 0, Number.MAX_SAFE_INTEGER) ??
    checkInteger("remappedPhysical", remappedPhysical, 0, chaptersPerVolume - 1)
  if (rangeError !== undefined) return Effect.fail(rangeError)

  const recordsPerPage = Math.floor(bytesPerPage / 32)
  const recordsPerChapter = recordsPerPage * recordPagesPerChapter
  const chapterDeltaListBits = bitsPer((recordsPerChapter - 1) | 63) - 6
  const deltaListsPerChapter = 2 ** chapterDeltaListBits
  if (deltaListsPerChapter > 65536) {
    return Effect.fail(invalid(
      `Geometry: a chapter of ${recordsPerChapter} records needs ${deltaListsPerChapter} delta lists, ` +
        `more than the 65536 an index page header can number; use fewer or smaller record pages`
    ))
  }
  const chapterPayloadBits = bitsPer(recordPagesPerChapter - 1)
  const chapterAddressBits = 16 - chapterDeltaListBits + bitsPer(recordsPerChapter - 1)
  const indexPagesPerChapter = estimateIndexPages(
    bytesPerPage, recordsPerChapter, deltaListsPerChapter, chapterPayloadBits
  )
  // Every list needs at least its 19-bit offset: the pages must hold them all.
  const listsPerIndexPage = Math.floor(
    (8 * bytesPerPage - (INDEX_PAGE_HEADER_BYTES * 8 + LIST_OFFSET_BITS) - 8 * INDEX_PAGE_GUARD_BYTES) /
      LIST_OFFSET_BITS
  )
  if (listsPerIndexPage * indexPagesPerChapter < deltaListsPerChapter) {
    return Effect.fail(invalid(
      `Geometry: ${indexPagesPerChapter} index pages of ${bytesPerPage} bytes cannot hold ` +
        `${deltaListsPerChapter} delta lists; use larger pages`
    ))
  }
  const pagesPerChapter = indexPagesPerChapter + recordPagesPerChapter
  const pagesPerVolume = pagesPerChapter * chaptersPerVolume
  if (pagesPerVolume + HEADER_PAGES_PER_VOLUME > 2 ** 32 - 1) {
    return Effect.fail(invalid(
      `Geometry: ${pagesPerVolume} pages per volume do not fit the 32-bit physical page numbers; ` +
        `use fewer chapters or fewer pages per chapter`
    ))
  }
  const bytesPerVolume = bytesPerPage * (pagesPerVolume + HEADER_PAGES_PER_VOLUME)
  if (!Number.isSafeInteger(bytesPerVolume)) {
    return Effect.fail(invalid(`Geometry: a volume of ${bytesPerVolume} bytes is too large`))
  }

  return Effect.succeed(Data.struct({
    bytesPerPage,
    recordsPerPage,
    recordPagesPerChapter,
    recordsPerChapter,
    indexPagesPerChapter,
    pagesPerChapter,
    chaptersPerVolume,
    sparseChaptersPerVolume,
    denseChaptersPerVolume: chaptersPerVolume - sparseChaptersPerVolume,
    recordsPerVolume: recordsPerChapter * chaptersPerVolume,
    pagesPerVolume,
    bytesPerVolume,
    headerPagesPerVolume: HEADER_PAGES_PER_VOLUME,
    deltaListsPerChapter,
    chapterMeanDelta: CHAPTER_MEAN_DELTA,
    chapterPayloadBits,
    chapterAddressBits,
    chapterDeltaListBits,
    remappedVirtual,
    remappedPhysical
  }))
}

/**
 * A memory size the reference's configuration accepts (geometry.md §4).
 *
 * @since 0.1.0
 * @category models
 */
export type MemorySize = 0.25 | 0.5 | 0.75 | number | "tiny"

/**
 * The geometry of one of the reference's memory-size presets: 0.25, 0.5 or
 * 0.75 GB, a whole number of GB from 1 to 1024, or the "tiny" test
 * configuration; dense or sparse; `reduced` drops one chapter, as an LVM
 * conversion does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMemorySize = (
  memory: MemorySize,
  options: { readonly sparse?: boolean; readonly reduced?: boolean } = {}
): Effect.Effect<Geometry, InvalidArgument> => {
  const badOptions = checkOptions("Geometry.fromMemorySize", options)
  if (badOptions !== undefined) return Effect.fail(badOptions)
  const preset = memory === "tiny"
    ? { recordPagesPerChapter: 32, chapters: 4 }
    : memory === 0.25
    ? { recordPagesPerChapter: 64, chapters: 1024 }
    : memory === 0.5
    ? { recordPagesPerChapter: 128, chapters: 1024 }
    : memory === 0.75
    ? { recordPagesPerChapter: 192, chapters: 1024 }
    : Number.isInteger(memory) && memory >= 1 && memory <= 1024
    ? { recordPagesPerChapter: 256, chapters: 1024 * memory }
    : undefined
  if (preset === undefined || (memory === "tiny" && options.reduced === true)) {
    return Effect.fail(invalid(
      `Geometry.fromMemorySize: memory size must be 0.25, 0.5, 0.75, a whole number of GB from 1 to 1024, ` +
        `or "tiny" (not reduced), got ${describeValue(memory)}`
    ))
  }
  let base = preset.chapters
  let sparseChaptersPerVolume = 0
  if (options.sparse === true) {
    sparseChaptersPerVolume = Math.floor((19 * base) / 2)
    base *= 10
  }
  return make({
    bytesPerPage: 32768,
    recordPagesPerChapter: preset.recordPagesPerChapter,
    chaptersPerVolume: base - (options.reduced === true ? 1 : 0),
    sparseChaptersPerVolume
  })
}

/**
 * A geometry is reduced (one chapter removed by a conversion) iff its chapter count is odd.
 *
 * @since 0.1.0
 * @category utils
 */
export const isReduced = (geometry: Geometry): boolean => geometry.chaptersPerVolume % 2 === 1

/**
 * The physical chapter that holds a virtual chapter, including the rule for
 * a chapter remapped by a conversion (geometry.md §7). With no remapping
 * this is plain modulo.
 *
 * @since 0.1.0
 * @category utils
 */
export const mapToPhysicalChapter = (geometry: Geometry, virtualChapter: number): number => {
  const { chaptersPerVolume, remappedVirtual, remappedPhysical } = geometry
  if (virtualChapter > remappedVirtual) {
    const delta = virtualChapter - remappedVirtual
    return delta > remappedPhysical ? delta % chaptersPerVolume : delta - 1
  }
  if (virtualChapter === remappedVirtual) return remappedPhysical
  const delta = remappedVirtual - virtualChapter
  return delta < chaptersPerVolume ? chaptersPerVolume - delta : 0
}

/**
 * How many chapters expire when `newestVirtual` opens (geometry.md §7.1):
 * none while the volume is not full, two or none around a remapped chapter,
 * otherwise one.
 *
 * @since 0.1.0
 * @category utils
 */
export const chaptersToExpire = (geometry: Geometry, newestVirtual: number): number => {
  if (newestVirtual < geometry.chaptersPerVolume) return 0
  if (geometry.remappedPhysical > 0) {
    const oldest = newestVirtual - geometry.chaptersPerVolume
    if (oldest === geometry.remappedVirtual) return 2
    if (oldest === geometry.remappedVirtual + geometry.remappedPhysical) return 0
  }
  return 1
}

/**
 * Whether any chapter of the live window [oldest, newest] is sparse (geometry.md §6).
 *
 * @since 0.1.0
 * @category utils
 */
export const hasSparseChapters = (geometry: Geometry, oldestVirtual: number, newestVirtual: number): boolean =>
  geometry.sparseChaptersPerVolume > 0 && newestVirtual - oldestVirtual + 1 > geometry.denseChaptersPerVolume

/**
 * Whether `virtualChapter` is sparse in the live window [oldest, newest] (geometry.md §6).
 *
 * @since 0.1.0
 * @category utils
 */
export const isChapterSparse = (
  geometry: Geometry,
  oldestVirtual: number,
  newestVirtual: number,
  virtualChapter: number
): boolean =>
  hasSparseChapters(geometry, oldestVirtual, newestVirtual) &&
  virtualChapter + geometry.denseChaptersPerVolume <= newestVirtual

/**
 * The physical page number of page `pageInChapter` of a physical chapter (volume.md §1).
 *
 * @since 0.1.0
 * @category utils
 */
export const physicalPage = (geometry: Geometry, physicalChapter: number, pageInChapter: number): number =>
  HEADER_PAGES_PER_VOLUME + physicalChapter * geometry.pagesPerChapter + pageInChapter
