/**
 * The checks of an index page (chapter-index.md §8, §10): the guard bytes,
 * the header as little-endian then as big-endian, the list offsets, and a
 * walk of every delta list. The decoder runs them while it builds a page's
 * entry table; `checkIndexPage` runs them alone, building nothing, for a
 * reader that needs only the verdict and the header (the boundary search's
 * probe, volume.md §11.1). One walk serves both, so both accept the same
 * pages.
 *
 * @internal
 */
import {
  type Geometry,
  INDEX_PAGE_GUARD_BYTES,
  INDEX_PAGE_HEADER_BYTES,
  LIST_OFFSET_BITS
} from "../../Geometry.js"
import { countZeros, readBits } from "./bitStream.js"
import { INCR_KEYS, MAX_LIST_BITS, MIN_BITS, MIN_KEYS, NAME_BITS } from "./deltaCode.js"
import type { PageEntriesBuilder } from "./packedIndexPage.js"

const HEADER_BITS = INDEX_PAGE_HEADER_BYTES * 8
/** Virtual chapters are JS numbers: the high u32 must stay below 2^21. */
const SAFE_HIGH_LIMIT = 0x200000

/**
 * The header of the page checked last with it: filled in by the checks, so
 * a check allocates nothing. Read it only after a check that passed.
 */
export class IndexPageHeader {
  nonceLow = 0
  nonceHigh = 0
  chapterLow = 0
  chapterHigh = 0
  /** The page's lowest delta list. */
  firstList = 0
  listCount = 0
  /** Stream bits where the first list starts and the last one ends. */
  firstBit = 0
  lastBit = 0

  /** The page's virtual chapter (below 2^53 on a page that passed). */
  get virtualChapter(): number {
    return this.chapterHigh * 2 ** 32 + this.chapterLow
  }

  /** The page's highest delta list: firstList + listCount − 1 as a u32, as PackedIndexPage.highestList. */
  get highestList(): number {
    return (this.firstList + this.listCount - 1) >>> 0
  }
}

// The page being checked, copied with zero padding after it, so the walk
// reads a 32-bit window with one load and never past the end of an array.
// Checks are synchronous, so one copy serves every call.
const MAX_PAGE_BYTES = 65536
const padded = new ArrayBuffer(MAX_PAGE_BYTES + 8)
const paddedBytes = new Uint8Array(padded)
const paddedView = new DataView(padded)

const copyPadded = (bytes: Uint8Array): void => {
  paddedBytes.set(bytes)
  paddedBytes.fill(0, bytes.length, bytes.length + 8)
}

/** At least 25 valid bits of the copied page from stream bit `bit` (its bits 0 and up). */
const windowAt = (bit: number): number => paddedView.getUint32(bit >>> 3, true) >>> (bit & 7)

// Reads the header fields of the copied page with one byte order.
const readHeader = (header: IndexPageHeader, littleEndian: boolean): void => {
  const low = littleEndian ? 0 : 4
  const high = littleEndian ? 4 : 0
  header.nonceLow = paddedView.getUint32(low, littleEndian)
  header.nonceHigh = paddedView.getUint32(high, littleEndian)
  header.chapterLow = paddedView.getUint32(8 + low, littleEndian)
  header.chapterHigh = paddedView.getUint32(8 + high, littleEndian)
  header.firstList = paddedView.getUint16(16, littleEndian)
  header.listCount = paddedView.getUint16(18, littleEndian)
}

// The halves of the last nonce seen: BigInt arithmetic costs more than the rest of a header check.
let lastNonce = 0n
let lastNonceLow = 0
let lastNonceHigh = 0
const splitNonce = (nonce: bigint): void => {
  lastNonce = nonce
  lastNonceLow = Number(nonce & 0xffffffffn)
  lastNonceHigh = Number((nonce >> 32n) & 0xffffffffn)
}

const u64 = (high: number, low: number): bigint => (BigInt(high) << 32n) | BigInt(low)

/** The reason the header read fails the §8 checks, or undefined when it passes. */
const checkHeader = (bytes: Uint8Array, header: IndexPageHeader, nonce: bigint): string | undefined => {
  const pageBits = bytes.length * 8
  if (nonce !== lastNonce) splitNonce(nonce)
  if (header.nonceLow !== lastNonceLow || header.nonceHigh !== lastNonceHigh) {
    return `index page nonce ${u64(header.nonceHigh, header.nonceLow)} does not match volume nonce ${nonce}`
  }
  const n = header.listCount
  const maxLists = Math.floor((pageBits - HEADER_BITS) / LIST_OFFSET_BITS)
  if (n > maxLists) return `index page list count ${n} is more than the ${maxLists} a page can hold`
  const firstOffset = HEADER_BITS + LIST_OFFSET_BITS * (n + 1)
  let previous = readBits(bytes, HEADER_BITS, LIST_OFFSET_BITS)
  if (previous !== firstOffset) {
    return `index page first list offset ${previous} is not ${firstOffset} (after ${n + 1} offsets)`
  }
  for (let j = 1; j <= n; j++) {
    const offset = readBits(bytes, HEADER_BITS + LIST_OFFSET_BITS * j, LIST_OFFSET_BITS)
    if (offset < previous) return `index page list offsets decrease at list ${j - 1}`
    previous = offset
  }
  const limit = pageBits - INDEX_PAGE_GUARD_BYTES * 8
  if (previous > limit) return `index page list data ends at bit ${previous}, past the guard bytes at bit ${limit}`
  header.firstBit = firstOffset
  header.lastBit = previous
  return undefined
}

/**
 * Checks the page's size, guard bytes and header (§8), filling in `header`.
 * Returns why the page is corrupt, or undefined when its lists may be
 * walked (`walkIndexPageLists`). Leaves the page copied for that walk.
 */
export const checkIndexPageHeader = (
  geometry: Geometry,
  nonce: bigint,
  bytes: Uint8Array,
  header: IndexPageHeader
): string | undefined => {
  if (bytes.length !== geometry.bytesPerPage) {
    return `index page is ${bytes.length} bytes, expected ${geometry.bytesPerPage}`
  }
  for (let i = bytes.length - INDEX_PAGE_GUARD_BYTES; i < bytes.length; i++) {
    if (bytes[i] !== 0xff) return `index page guard byte ${i} is ${bytes[i]}, expected 255`
  }
  copyPadded(bytes)
  readHeader(header, true)
  const littleEndianProblem = checkHeader(bytes, header, nonce)
  if (littleEndianProblem !== undefined) {
    // Pages written by big-endian hosts have a big-endian header (the offsets and lists are the same).
    readHeader(header, false)
    const bigEndianProblem = checkHeader(bytes, header, nonce)
    if (bigEndianProblem !== undefined) {
      return `${littleEndianProblem} (read as big-endian: ${bigEndianProblem})`
    }
  }
  if (header.chapterHigh >= SAFE_HIGH_LIMIT) {
    return `index page virtual chapter ${u64(header.chapterHigh, header.chapterLow)} is beyond ${Number.MAX_SAFE_INTEGER}`
  }
  return undefined
}

const pastEnd = (list: number, bit: number, end: number): string =>
  `index page list ${list} has an entry at bit ${bit} that runs past the end of the list at bit ${end}`

/**
 * Walks list `list` (bits [start, end) of the copied page), adding its
 * entries to `builder` when there is one. Returns why it does not decode,
 * or undefined when every entry lies inside it and names a record page of
 * the chapter.
 */
const walkList = (
  list: number,
  start: number,
  end: number,
  payloadBits: number,
  recordPages: number,
  builder: PageEntriesBuilder | undefined
): string | undefined => {
  if (end - start > MAX_LIST_BITS) return `index page list ${list} is ${end - start} bits, more than ${MAX_LIST_BITS}`
  let bit = start
  let key = 0
  const valueMask = (1 << payloadBits) - 1
  // A window holds at least 25 bits: the value and the key field together when the value is narrow.
  const oneWindow = payloadBits + MIN_BITS <= 25
  while (bit < end) {
    let next = bit + payloadBits + MIN_BITS
    if (next > end) return pastEnd(list, bit, end)
    const window = windowAt(bit)
    const value = window & valueMask
    if (value >= recordPages) return `index page list ${list} names record page ${value}, but a chapter has ${recordPages}`
    let delta = (oneWindow ? window >>> payloadBits : windowAt(bit + payloadBits)) & 0xffff
    if (delta >= MIN_KEYS) {
      // The zeros and terminator of a long code, usually within one window.
      const rest = windowAt(next)
      const zeros = rest !== 0 ? 31 - Math.clz32(rest & -rest) : countZeros(paddedBytes, next, end)
      if (zeros < 0 || next + zeros >= end) return pastEnd(list, bit, end)
      delta += zeros * INCR_KEYS
      next += zeros + 1
    }
    if (delta === 0 && bit !== start) {
      next += NAME_BITS
      if (next > end) return pastEnd(list, bit, end)
      builder?.collision(bit)
    } else {
      key += delta
      builder?.normal(key, value)
    }
    bit = next
  }
  builder?.endList()
  return undefined
}

/**
 * Walks every delta list of the page whose header `checkIndexPageHeader`
 * just passed, giving `builder` (when there is one) each list's start and
 * entries. Returns why a list does not decode, or undefined.
 */
export const walkIndexPageLists = (
  geometry: Geometry,
  header: IndexPageHeader,
  builder: PageEntriesBuilder | undefined
): string | undefined => {
  const { firstList, listCount } = header
  const payloadBits = geometry.chapterPayloadBits
  const recordPages = geometry.recordPagesPerChapter
  let start = header.firstBit
  builder?.listStart(0, start)
  for (let j = 0; j < listCount; j++) {
    const end = readBits(paddedBytes, HEADER_BITS + LIST_OFFSET_BITS * (j + 1), LIST_OFFSET_BITS)
    builder?.listStart(j + 1, end)
    const problem = walkList(firstList + j, start, end, payloadBits, recordPages, builder)
    if (problem !== undefined) return problem
    start = end
  }
  return undefined
}

/**
 * Checks an index page as the decoder does (every check of chapter-index.md
 * §8 and §10, every list walked) without building the decoded page: returns
 * why it is corrupt, or undefined when it decodes, its header then in
 * `header`. Allocates nothing for a page that passes. Never throws.
 */
export const checkIndexPage = (
  geometry: Geometry,
  nonce: bigint,
  bytes: Uint8Array,
  header: IndexPageHeader
): string | undefined =>
  checkIndexPageHeader(geometry, nonce, bytes, header) ?? walkIndexPageLists(geometry, header, undefined)
