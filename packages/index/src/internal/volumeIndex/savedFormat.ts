/**
 * Constants of the saved volume index (volume-index.md §6.2–§6.4).
 *
 * @internal
 */

/** Sparse only: "MI6-0001" and the sample rate. */
export const MI6_MAGIC = "MI6-0001"
export const MI6_BYTES = 12
/** One per sub-index: nonce, chapter window, list range; then n flush chapters. */
export const MI5_MAGIC = "MI5-0005"
export const MI5_BYTES = 40
/** One per sub-index: zone, list range, counters; then n list sizes. */
export const DI_MAGIC = "DI-00002"
export const DI_BYTES = 40
/** Before each non-empty list's data: tag, bit offset, byte count, list number. */
export const LIST_HEADER_BYTES = 8
/** The largest byte count of a list record: 65543 bits rounded up, and 7 bits of offset. */
export const MAX_LIST_RECORD_BYTES = 8199
/** The end of a stream: 'z' and seven zero bytes. */
export const GUARD_TAG = 0x7a
export const GUARD_BYTES = 8
