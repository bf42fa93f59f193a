/**
 * Collation of all zones' writing chapters into one chapter's records at
 * close (open-chapter.md §7, record-page.md §3).
 *
 * Position i of the chapter takes record 1 + i div Z of zone i mod Z
 * (Z zones): records interleave round-robin by record number. A position
 * whose record does not exist or is deleted gets the *fill record* — a copy
 * of the last record of the first full zone — and takes no part in the
 * chapter index. With one zone the chapter is the arrival order.
 *
 * @internal
 */
import { OpenChapterZone, RECORD_BYTES } from "./zone.js"

/** A chapter's records as collated, with which positions the chapter index gets. */
export interface CollatedChapter {
  /** recordsPerChapter packed 32-byte records, position i at i × 32. */
  readonly records: Uint8Array
  /**
   * Per position: 1 when it holds a zone's own record, which the chapter index
   * gets (name → record page i div recordsPerPage, in increasing i); 0 for a
   * fill copy, which the reference leaves out of the chapter index.
   */
  readonly indexed: Uint8Array
  /** Positions with indexed = 1. */
  readonly indexedCount: number
}

/** The first zone whose size equals its capacity, or −1 (§7 step 1). */
export const fillZone = (zones: ReadonlyArray<OpenChapterZone>): number =>
  zones.findIndex((zone) => zone.size === zone.capacity)

/**
 * Collates `zones` (the writing chapters of zones 0 .. Z − 1) into a chapter
 * of `recordsPerChapter` records, in `into`'s buffers when given (reused from
 * chapter to chapter; they must hold recordsPerChapter records and flags).
 *
 * Returns undefined when no zone is full: a chapter is only closed when some
 * zone filled, so that is a broken invariant of the caller (a defect), never
 * bad input.
 */
export const collate = (
  zones: ReadonlyArray<OpenChapterZone>,
  recordsPerChapter: number,
  into?: { readonly records: Uint8Array; readonly indexed: Uint8Array }
): CollatedChapter | undefined => {
  const full = fillZone(zones)
  if (full < 0) return undefined
  const fillSource = zones[full]!
  const fillAt = fillSource.capacity * RECORD_BYTES
  const records = into?.records ?? new Uint8Array(recordsPerChapter * RECORD_BYTES)
  const indexed = into?.indexed ?? new Uint8Array(recordsPerChapter)
  let indexedCount = 0
  let i = 0
  for (let r = 1; i < recordsPerChapter; r++) {
    for (let z = 0; z < zones.length && i < recordsPerChapter; z++, i++) {
      const zone = zones[z]!
      if (zone.isLive(r)) {
        copyRecord(zone.records, r * RECORD_BYTES, records, i * RECORD_BYTES)
        indexed[i] = 1
        indexedCount++
      } else {
        copyRecord(fillSource.records, fillAt, records, i * RECORD_BYTES)
        indexed[i] = 0
      }
    }
  }
  return { records, indexed, indexedCount }
}

const copyRecord = (from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number): void => {
  for (let k = 0; k < RECORD_BYTES; k++) to[toOffset + k] = from[fromOffset + k]!
}
