/**
 * How geometry and boundaries are printed, in text and as JSON.
 *
 * @since 0.1.0
 */
import type { Geometry } from "@effect-uds/volume"

/** The boundaries the volume's search reports. */
export interface Boundaries {
  readonly lowest: number
  readonly highest: number
  readonly isEmpty: boolean
}

/** Every geometry field, with its API.md name, in API.md order. */
export const geometryJson = (g: Geometry.Geometry) => ({
  bytesPerPage: g.bytesPerPage,
  recordsPerPage: g.recordsPerPage,
  recordPagesPerChapter: g.recordPagesPerChapter,
  recordsPerChapter: g.recordsPerChapter,
  indexPagesPerChapter: g.indexPagesPerChapter,
  pagesPerChapter: g.pagesPerChapter,
  chaptersPerVolume: g.chaptersPerVolume,
  sparseChaptersPerVolume: g.sparseChaptersPerVolume,
  denseChaptersPerVolume: g.denseChaptersPerVolume,
  recordsPerVolume: g.recordsPerVolume,
  pagesPerVolume: g.pagesPerVolume,
  bytesPerVolume: g.bytesPerVolume,
  headerPagesPerVolume: g.headerPagesPerVolume,
  deltaListsPerChapter: g.deltaListsPerChapter,
  chapterMeanDelta: g.chapterMeanDelta,
  chapterPayloadBits: g.chapterPayloadBits,
  chapterAddressBits: g.chapterAddressBits,
  chapterDeltaListBits: g.chapterDeltaListBits,
  remappedVirtual: g.remappedVirtual,
  remappedPhysical: g.remappedPhysical
})

/** The geometry in one line. */
export const geometryText = (g: Geometry.Geometry): string =>
  `${g.bytesPerPage}-byte pages; ${g.chaptersPerVolume} chapters` +
  (g.sparseChaptersPerVolume > 0 ? ` (${g.sparseChaptersPerVolume} sparse)` : "") +
  ` of ${g.indexPagesPerChapter} index + ${g.recordPagesPerChapter} record pages ` +
  `(${g.recordsPerChapter} records); ${g.bytesPerVolume} bytes` +
  (g.remappedPhysical > 0 || g.remappedVirtual > 0
    ? `; virtual chapter ${g.remappedVirtual} remapped to physical ${g.remappedPhysical}`
    : "")

/** The boundaries in one line. */
export const boundariesText = (b: Boundaries): string =>
  b.isEmpty
    ? "empty: no chapter written"
    : `virtual chapters ${b.lowest}..${b.highest} (${b.highest - b.lowest + 1} chapters)`

/** Bytes as lowercase hex digits, two per byte. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex")
