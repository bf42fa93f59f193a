/**
 * The variable-length key code of the chapter index (chapter-index.md §4.1):
 * a delta below `MIN_KEYS` is a plain `MIN_BITS`-bit field; a larger one is a
 * `MIN_BITS`-bit field, z zero bits and a terminating 1 bit.
 *
 * @internal
 */
import { type BitWriter, countZeros, readBits } from "./bitStream.js"

// The chapter index always codes around the mean delta 65536, so its constants
// are literals (Geometry.codingConstants(65536) gives the same; a test checks),
// which lets the compiler turn the divisions below into multiplications.

/** Width of the fixed part of a key code. */
export const MIN_BITS = 16
/** Deltas below this are coded in `MIN_BITS` bits alone. */
export const MIN_KEYS = 20110
/** Each extra zero bit of a long code adds this much to the delta. */
export const INCR_KEYS = 45426
/** Bits of the full name a collision entry carries after its key code. */
export const NAME_BITS = 128
/** A delta list's bit size is a u16 in the reference while it is built. */
export const MAX_LIST_BITS = 65535

/** Bits of the key code for `delta` (chapter-index.md §4.1, general formula). */
export const keyCodeBits = (delta: number): number => MIN_BITS + (((INCR_KEYS - MIN_KEYS + delta) / INCR_KEYS) | 0)

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
  const zeros = (t / INCR_KEYS) | 0
  const field = value | ((t - zeros * INCR_KEYS + MIN_KEYS) << payloadBits)
  const width = payloadBits + MIN_BITS + zeros + 1
  if (width <= 32) {
    // The usual case: value, field, zeros and the terminating 1 in one put.
    writer.put(field | (1 << (width - 1)), width)
  } else {
    writer.put(field, payloadBits + MIN_BITS)
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
