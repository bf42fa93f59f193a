/**
 * The variable-length key code of the chapter index (chapter-index.md §4.1):
 * a delta below `MIN_KEYS` is a plain `MIN_BITS`-bit field; a larger one is a
 * `MIN_BITS`-bit field, z zero bits and a terminating 1 bit.
 *
 * @internal
 */
import { CHAPTER_MEAN_DELTA, codingConstants } from "../Geometry.js"
import { type BitWriter, countZeros, readBits } from "./bitStream.js"

const constants = codingConstants(CHAPTER_MEAN_DELTA)

/** Width of the fixed part of a key code (16 for the chapter index). */
export const MIN_BITS: number = constants.minBits
/** Deltas below this are coded in `MIN_BITS` bits alone (20110). */
export const MIN_KEYS: number = constants.minKeys
/** Each extra zero bit of a long code adds this much to the delta (45426). */
export const INCR_KEYS: number = constants.incrKeys

/** Bits of the key code for `delta` (chapter-index.md §4.1, general formula). */
export const keyCodeBits = (delta: number): number =>
  MIN_BITS + Math.floor((INCR_KEYS - MIN_KEYS + delta) / INCR_KEYS)

/**
 * Appends an entry's value (`payloadBits` wide, at most 16) followed by the
 * key code of `delta`.
 */
export const putValueAndKeyCode = (writer: BitWriter, value: number, payloadBits: number, delta: number): void => {
  if (delta < MIN_KEYS) {
    writer.put(value | (delta << payloadBits), payloadBits + MIN_BITS)
    return
  }
  const t = delta - MIN_KEYS
  const zeros = Math.floor(t / INCR_KEYS)
  writer.put(value | ((t - zeros * INCR_KEYS + MIN_KEYS) << payloadBits), payloadBits + MIN_BITS)
  if (zeros < 32) {
    writer.put(1 << zeros, zeros + 1)
  } else {
    writer.skip(zeros)
    writer.put(1, 1)
  }
}

/**
 * Decodes the key code at stream bit `bit`, which must end before stream bit
 * `limit`. Returns the delta (its code length is `keyCodeBits(delta)`), or
 * -1 when the code runs past `limit`.
 */
export const decodeKeyCode = (bytes: Uint8Array, bit: number, limit: number): number => {
  if (bit + MIN_BITS > limit) return -1
  const field = readBits(bytes, bit, MIN_BITS)
  if (field < MIN_KEYS) return field
  const zeros = countZeros(bytes, bit + MIN_BITS, limit)
  return zeros < 0 ? -1 : field + zeros * INCR_KEYS
}
