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
/** A bucket larger than this means clustered names: use the general sort instead. */
const MAX_BUCKET = 24

// Scratch shared by every call (JS is single-threaded and the sort does not
// re-enter), so sorting a page allocates nothing.
const order = new Uint16Array(MAX_RECORDS)
const words = new Uint32Array(MAX_RECORDS)
const sortedWords = new Uint32Array(MAX_RECORDS)
const counts = new Int32Array(2 * MAX_RECORDS + 1)
const keys = new Float64Array(MAX_RECORDS)

/** Big-endian u32 at `offset`: comparing these compares four name bytes in memcmp order. */
export const wordAt = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0

/**
 * Whether record `a` sorts after record `b` when their first name words are
 * equal: compares name bytes 4..15, then the indices (so equal names keep
 * index order and the result is deterministic).
 */
const tailAfter = (records: Uint8Array, base: number, a: number, b: number): boolean => {
  const oa = base + 32 * a
  const ob = base + 32 * b
  for (let offset = 4; offset < 16; offset += 4) {
    const wa = wordAt(records, oa + offset)
    const wb = wordAt(records, ob + offset)
    if (wa !== wb) return wa > wb
  }
  return a > b
}

/**
 * Sorts `order[lo, hi)` (record indices) by name word `word` (0..3), then
 * the runs that tie on it by the following words. Each key packs the word
 * above the record index, so one numeric typed-array sort orders by the word
 * and breaks ties by index. The robust path for clustered names.
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
 *
 * Names are hashes, so one counting pass on their leading bits (about two
 * buckets per record) leaves only tiny buckets, which an insertion sort on
 * the first name word finishes. Clustered names fall back to `sortRange`.
 */
export const sortByName = (records: Uint8Array, offset: number, n: number): Uint16Array => {
  let bits = 1
  while (1 << bits < 2 * n) bits++
  const shift = 32 - bits
  const buckets = 1 << bits
  counts.fill(0, 0, buckets + 1)
  for (let i = 0; i < n; i++) {
    const word = wordAt(records, offset + 32 * i)
    words[i] = word
    counts[(word >>> shift) + 1]!++
  }
  let largest = 0
  for (let b = 1; b <= buckets; b++) {
    const size = counts[b]!
    if (size > largest) largest = size
    counts[b] = size + counts[b - 1]!
  }
  if (largest > MAX_BUCKET) {
    for (let i = 0; i < n; i++) order[i] = i
    sortRange(records, offset, 0, n, 0)
    return order
  }
  for (let i = 0; i < n; i++) {
    const word = words[i]!
    const at = counts[word >>> shift]!++
    sortedWords[at] = word
    order[at] = i
  }
  // Insertion sort: records of different buckets are already in order, so
  // only the few within a bucket move.
  for (let i = 1; i < n; i++) {
    const word = sortedWords[i]!
    const index = order[i]!
    let j = i - 1
    let before = sortedWords[j]!
    if (before < word || (before === word && !tailAfter(records, offset, order[j]!, index))) continue
    do {
      sortedWords[j + 1] = before
      order[j + 1] = order[j]!
      j--
      if (j < 0) break
      before = sortedWords[j]!
    } while (before > word || (before === word && tailAfter(records, offset, order[j]!, index)))
    sortedWords[j + 1] = word
    order[j + 1] = index
  }
  return order
}
