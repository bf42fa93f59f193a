/**
 * Turns index page bytes into a searchable page (chapter-index.md §8, §10):
 * the header is checked as little-endian, then as big-endian, and every list
 * is walked completely, so a page that decodes can be searched without
 * further checks.
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
import { type PackedIndexPage, PageEntriesBuilder } from "./packedIndexPage.js"

const HEADER_BITS = INDEX_PAGE_HEADER_BYTES * 8
/** Virtual chapters are JS numbers: the high u32 must stay below 2^21. */
const SAFE_HIGH_LIMIT = 0x200000

/** The four header fields, read with one byte order. */
interface Header {
  readonly nonceLow: number
  readonly nonceHigh: number
  readonly chapterLow: number
  readonly chapterHigh: number
  readonly firstList: number
  readonly listCount: number
}

const readHeader = (bytes: Uint8Array, littleEndian: boolean): Header => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, INDEX_PAGE_HEADER_BYTES)
  const low = littleEndian ? 0 : 4
  const high = littleEndian ? 4 : 0
  return {
    nonceLow: view.getUint32(low, littleEndian),
    nonceHigh: view.getUint32(high, littleEndian),
    chapterLow: view.getUint32(8 + low, littleEndian),
    chapterHigh: view.getUint32(8 + high, littleEndian),
    firstList: view.getUint16(16, littleEndian),
    listCount: view.getUint16(18, littleEndian)
  }
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

/** The reason the header fails the §8 checks, or undefined when it passes. */
const checkHeader = (bytes: Uint8Array, header: Header, nonce: bigint): string | undefined => {
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
  return undefined
}

/**
 * Walks list `list` (bits [start, end) of the page), adding its entries to
 * `builder`. Returns why it does not decode, or undefined when every entry
 * lies inside it and names a record page of the chapter.
 */
const walkList = (
  bytes: Uint8Array,
  list: number,
  start: number,
  end: number,
  payloadBits: number,
  recordPages: number,
  builder: PageEntriesBuilder
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
      const zeros = rest !== 0 ? 31 - Math.clz32(rest & -rest) : countZeros(bytes, next, end)
      if (zeros < 0 || next + zeros >= end) return pastEnd(list, bit, end)
      delta += zeros * INCR_KEYS
      next += zeros + 1
    }
    if (delta === 0 && bit !== start) {
      next += NAME_BITS
      if (next > end) return pastEnd(list, bit, end)
      builder.collision(bit)
    } else {
      key += delta
      builder.normal(key, value)
    }
    bit = next
  }
  builder.endList()
  return undefined
}

// The page being decoded, copied with zero padding after it, so the walk
// reads a 32-bit window with one load and never past the end of an array.
// Decoding is synchronous, so one copy serves every call.
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

const pastEnd = (list: number, bit: number, end: number): string =>
  `index page list ${list} has an entry at bit ${bit} that runs past the end of the list at bit ${end}`

/**
 * Decodes and validates an index page; returns the page, or the reason it
 * is corrupt. Never throws, whatever the bytes.
 */
export const decodeIndexPage = (
  geometry: Geometry,
  nonce: bigint,
  bytes: Uint8Array
): PackedIndexPage | string => {
  if (bytes.length !== geometry.bytesPerPage) {
    return `index page is ${bytes.length} bytes, expected ${geometry.bytesPerPage}`
  }
  for (let i = bytes.length - INDEX_PAGE_GUARD_BYTES; i < bytes.length; i++) {
    if (bytes[i] !== 0xff) return `index page guard byte ${i} is ${bytes[i]}, expected 255`
  }
  let header = readHeader(bytes, true)
  const littleEndianProblem = checkHeader(bytes, header, nonce)
  if (littleEndianProblem !== undefined) {
    // Pages written by big-endian hosts have a big-endian header (the offsets and lists are the same).
    header = readHeader(bytes, false)
    const bigEndianProblem = checkHeader(bytes, header, nonce)
    if (bigEndianProblem !== undefined) {
      return `${littleEndianProblem} (read as big-endian: ${bigEndianProblem})`
    }
  }
  if (header.chapterHigh >= SAFE_HIGH_LIMIT) {
    return `index page virtual chapter ${u64(header.chapterHigh, header.chapterLow)} is beyond ${Number.MAX_SAFE_INTEGER}`
  }
  const { firstList, listCount } = header
  const payloadBits = geometry.chapterPayloadBits
  const firstBit = readBits(bytes, HEADER_BITS, LIST_OFFSET_BITS)
  const lastBit = readBits(bytes, HEADER_BITS + LIST_OFFSET_BITS * listCount, LIST_OFFSET_BITS)
  // Every entry has at least a value and a MIN_BITS key field.
  const builder = new PageEntriesBuilder(Math.floor((lastBit - firstBit) / (payloadBits + MIN_BITS)), listCount, bytes.length)
  copyPadded(bytes)
  let start = firstBit
  builder.listStart(0, start)
  for (let j = 0; j < listCount; j++) {
    const end = readBits(bytes, HEADER_BITS + LIST_OFFSET_BITS * (j + 1), LIST_OFFSET_BITS)
    builder.listStart(j + 1, end)
    const problem = walkList(bytes, firstList + j, start, end, payloadBits, geometry.recordPagesPerChapter, builder)
    if (problem !== undefined) return problem
    start = end
  }
  // The page keeps its own copy: the caller may reuse `bytes`.
  builder.page.set(bytes)
  return builder.finish(header.chapterHigh * 2 ** 32 + header.chapterLow, firstList, {
    payloadBits,
    addressBits: geometry.chapterAddressBits,
    listMask: geometry.deltaListsPerChapter - 1
  })
}
