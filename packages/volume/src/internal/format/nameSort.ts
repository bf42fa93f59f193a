/**
 * Sorting packed 32-byte records by their 16-byte names in `memcmp` order
 * (record-page.md §2), specialised for the record page encoder: at most
 * 2048 records whose names are hashes, so nearly always distinct in their
 * first bytes, but with clustered names and runs of duplicates handled in
 * O(n log n) too.
 *
 * @internal
 */

/** The most records one call sorts (a 65536-byte page holds 2048). */
export const MAX_RECORDS = 2048
/** Buckets larger than this (clustered names, fill duplicates) get the clustered sort. */
const MAX_BUCKET = 24
/** Ranges this small are finished by insertion sort in the clustered sort. */
const SMALL_RANGE = 12

// Scratch shared by every call (JS is single-threaded and the sort does not
// re-enter), so sorting a page allocates nothing.
const order = new Uint16Array(MAX_RECORDS)
const words = new Uint32Array(MAX_RECORDS)
const sortedWords = new Uint32Array(MAX_RECORDS)
const counts = new Int32Array(2 * MAX_RECORDS + 1)

/** Big-endian u32 at `offset`: comparing these compares four name bytes in memcmp order. */
export const wordAt = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0

/** Whether record `a`'s name is greater than record `b`'s, comparing name words `from` .. 3. */
const nameAfter = (records: Uint8Array, base: number, a: number, b: number, from: number): boolean => {
  const oa = base + 32 * a
  const ob = base + 32 * b
  for (let offset = 4 * from; offset < 16; offset += 4) {
    const wa = wordAt(records, oa + offset)
    const wb = wordAt(records, ob + offset)
    if (wa !== wb) return wa > wb
  }
  return false
}

const median = (a: number, b: number, c: number): number =>
  a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b

/**
 * Sorts `order[lo, hi)`, whose names all agree on words 0 .. word − 1, by
 * the rest of the name: a three-way (multikey) quicksort on name word
 * `word`, whose equal part moves on to the next word, so runs of
 * duplicates cost one linear pass per word. `known` says `words[lo, hi)`
 * already holds each record's word `word`.
 */
const sortClustered = (records: Uint8Array, base: number, lo: number, hi: number, word: number, known: boolean): void => {
  for (;;) {
    if (hi - lo <= SMALL_RANGE) {
      for (let i = lo + 1; i < hi; i++) {
        const index = order[i]!
        let j = i - 1
        while (j >= lo && nameAfter(records, base, order[j]!, index, word)) {
          order[j + 1] = order[j]!
          j--
        }
        order[j + 1] = index
      }
      return
    }
    if (!known) {
      const offset = base + 4 * word
      for (let i = lo; i < hi; i++) words[i] = wordAt(records, offset + 32 * order[i]!)
    }
    const pivot = median(words[lo]!, words[(lo + hi) >>> 1]!, words[hi - 1]!)
    // Partition into [lo, less) < pivot, [less, more) = pivot, [more, hi) > pivot.
    let less = lo
    let more = hi
    let i = lo
    while (i < more) {
      const value = words[i]!
      if (value < pivot) {
        swap(less++, i++, value)
      } else if (value > pivot) {
        swap(--more, i, value)
      } else {
        i++
      }
    }
    sortClustered(records, base, lo, less, word, true)
    sortClustered(records, base, more, hi, word, true)
    if (word === 3) return
    lo = less
    hi = more
    word++
    known = false
  }
}

// Swaps entries i and j of order/words; `value` is words[j]'s current value.
const swap = (i: number, j: number, value: number): void => {
  const index = order[i]!
  order[i] = order[j]!
  order[j] = index
  words[j] = words[i]!
  words[i] = value
}

/**
 * Insertion sort of `order[lo, hi)` by name, keyed by `sortedWords` (each
 * record's first name word). Over a whole page after the counting pass,
 * records of different buckets are already in order, so only the few within
 * a bucket move.
 */
const insertionSort = (records: Uint8Array, base: number, lo: number, hi: number): void => {
  for (let i = lo + 1; i < hi; i++) {
    const word = sortedWords[i]!
    const index = order[i]!
    let j = i - 1
    let before = sortedWords[j]!
    if (before < word || (before === word && !nameAfter(records, base, order[j]!, index, 1))) continue
    do {
      sortedWords[j + 1] = before
      order[j + 1] = order[j]!
      j--
      if (j < lo) break
      before = sortedWords[j]!
    } while (before > word || (before === word && nameAfter(records, base, order[j]!, index, 1)))
    sortedWords[j + 1] = word
    order[j + 1] = index
  }
}

/**
 * The indices 0 .. n − 1 of the `n` records packed at `records[offset ..]`
 * (32 bytes each, name first), in ascending name order; equal names in an
 * unspecified but deterministic order. Returns shared scratch, valid until
 * the next call: read it at once. Requires 1 ≤ n ≤ MAX_RECORDS and n records
 * present from `offset`.
 *
 * One counting pass on the names' leading bits (about two buckets per record)
 * leaves hashes in tiny buckets, which one insertion sort over the page
 * finishes; if some bucket is oversized, each bucket is sorted on its own,
 * the oversized ones by `sortClustered`.
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
  for (let i = 0; i < n; i++) {
    const word = words[i]!
    const at = counts[word >>> shift]!++
    sortedWords[at] = word
    order[at] = i
  }
  if (largest <= MAX_BUCKET) {
    insertionSort(records, offset, 0, n)
    return order
  }
  // counts[b] is now the end of bucket b.
  let start = 0
  for (let b = 0; b < buckets; b++) {
    const end = counts[b]!
    if (end - start > MAX_BUCKET) sortClustered(records, offset, start, end, 0, false)
    else if (end - start > 1) insertionSort(records, offset, start, end)
    start = end
  }
  return order
}
