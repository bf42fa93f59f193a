/**
 * Which chapter a bad index page, or a chapter whose index pages disagree,
 * claims to hold. A lookup in a chapter that is not on the volume (never
 * written, torn, or holding another virtual chapter) finds nothing: that is
 * not an error. A page that claims the chapter (the volume's nonce and the
 * chapter's number in its header) and is damaged is CorruptData.
 *
 * The claim rides beside the CorruptData (a weak map keyed by the error), so
 * the public error is unchanged and the hot path pays nothing.
 *
 * @internal
 */
import { INDEX_PAGE_HEADER_BYTES } from "../../Geometry.js"
import type { CorruptData, IoError } from "../../VolumeError.js"

/** Claims nothing: not an index page of this volume, or pages of two chapters. */
const NO_CHAPTER = -1

const claims = new WeakMap<CorruptData, number>()

/**
 * The virtual chapter an index page's header names when its nonce is the
 * volume's (as little-endian, else as big-endian), or NO_CHAPTER.
 */
const headerClaim = (bytes: Uint8Array, nonce: bigint): number => {
  if (bytes.length < INDEX_PAGE_HEADER_BYTES) return NO_CHAPTER
  const view = new DataView(bytes.buffer, bytes.byteOffset, INDEX_PAGE_HEADER_BYTES)
  for (const littleEndian of [true, false]) {
    if (view.getBigUint64(0, littleEndian) !== nonce) continue
    const chapter = view.getBigUint64(8, littleEndian)
    return chapter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(chapter) : NO_CHAPTER
  }
  return NO_CHAPTER
}

/** Records what the bytes of an index page that did not decode claim. */
export const claimOfBytes = (error: CorruptData, bytes: Uint8Array, nonce: bigint): CorruptData => {
  claims.set(error, headerClaim(bytes, nonce))
  return error
}

/** Records that the error is about pages that hold `virtualChapter`, or of no one chapter (NO_CHAPTER). */
export const claimOf = (error: CorruptData, virtualChapter: number = NO_CHAPTER): CorruptData => {
  claims.set(error, virtualChapter)
  return error
}

/**
 * Whether the error says `virtualChapter` is not on the volume (its pages
 * claim no chapter, or another one) rather than damaged. Errors with no
 * recorded claim are damage.
 */
export const notOnVolume = (error: CorruptData, virtualChapter: number): boolean => {
  const claimed = claims.get(error)
  return claimed !== undefined && claimed !== virtualChapter
}

// How much an error says about a chapter, most first: damage (no claim
// recorded), then pages that claim a chapter, then pages that claim none.
const weight = (error: CorruptData): number => {
  const claimed = claims.get(error)
  return claimed === undefined ? 2 : claimed >= 0 ? 1 : 0
}

/**
 * Of the errors reading a chapter's index pages gave, the one to report,
 * whatever order the reads failed in: an IoError, else damage, else a page
 * claiming a chapter, else one claiming none.
 */
export const mostTelling = <E extends CorruptData | IoError>(errors: ReadonlyArray<E>): E | undefined => {
  let best: E | undefined
  for (const error of errors) {
    if (error._tag === "IoError") return error
    if (best === undefined || weight(error as CorruptData) > weight(best as CorruptData)) best = error
  }
  return best
}
