/**
 * Sorting packed 32-byte records by their 16-byte names in `memcmp` order
 * (record-page.md §2), specialised for the record page encoder: at most
 * 2048 records, names that are nearly always distinct in their first bytes.
 *
 * @internal
 */

/** Records of one page are counted in 11 bits (65536-byte pages hold 2048). */
const INDEX_BITS = 11
const INDEX_SCALE = 1 << INDEX_BITS
/** The most records one call sorts. */
export const MAX_RECORDS = INDEX_SCALE

// Scratch shared by every call (JS is single-threaded and the sort does not
// re-enter), so sorting a page allocates nothing.
const order = new Uint16Array(MAX_RECORDS)
const keys = new Float64Array(MAX_RECORDS)

/** Big-endian u32 at `offset`: comparing these compares four name bytes in memcmp order. */
export const wordAt = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0

/**
 * Sorts `order[lo, hi)` (record indices) by name word `word` (0..3), then
 * the runs that tie on it by the following words. Each key packs the word
 * above the record index, so one numeric typed-array sort orders by the word
 * and breaks ties by index, which keeps the result deterministic even for
 * byte-identical duplicates.
 */
const sortRange = (records: Uint8Array, base: number, lo: number, hi: number, word: number): void => {
  const wordOffset = base + 4 * word
  for (let i = lo; i < hi; i++) {
    const index = order[i]!
    keys[i] = wordAt(records, wordOffset + 32 * index) * INDEX_SCALE + index
  }
  keys.subarray(lo, hi).sort()
  let runStart = lo
  let runWord = -1
  for (let i = lo; i < hi; i++) {
    const key = keys[i]!
    const index = key % INDEX_SCALE
    const value = (key - index) / INDEX_SCALE
    order[i] = index
    if (value !== runWord) {
      if (i - runStart > 1 && word < 3) sortRange(records, base, runStart, i, word + 1)
      runStart = i
      runWord = value
    }
  }
  if (hi - runStart > 1 && word < 3) sortRange(records, base, runStart, hi, word + 1)
}

/**
 * The indices 0 .. n − 1 of the `n` records packed at `records[offset ..]`
 * (32 bytes each, name first), in ascending name order; equal names in index
 * order. Returns shared scratch, valid until the next call: read it at once.
 * Requires 1 ≤ n ≤ MAX_RECORDS and n records present from `offset`.
 */
export const sortByName = (records: Uint8Array, offset: number, n: number): Uint16Array => {
  for (let i = 0; i < n; i++) order[i] = i
  sortRange(records, offset, 0, n, 0)
  return order
}
