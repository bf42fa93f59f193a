/**
 * The variable-length key code of the delta lists (chapter-index.md §4.1,
 * §5): a delta below min_keys is a plain min_bits-bit field; a larger one is
 * a min_bits-bit field, z zero bits and a terminating 1 bit. The chapter
 * index and the volume index share it: the generic functions take the
 * coding constants, and the chapter index's fixed constants wrap them.
 *
 * @internal
 */
import { type BitWriter, countZerosAt, readBitsAt } from "./bitStream.js"

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

/** Bits of the key code for `delta` with the given constants (chapter-index.md §4.1, general formula). */
export const keyCodeBitsWith = (minBits: number, minKeys: number, incrKeys: number, delta: number): number =>
  minBits + (((incrKeys - minKeys + delta) / incrKeys) | 0)

/** Bits of the chapter index's key code for `delta`. */
export const keyCodeBits = (delta: number): number => keyCodeBitsWith(MIN_BITS, MIN_KEYS, INCR_KEYS, delta)

/** The zero bits of the long code of `delta` (at least min_keys): z = (delta − min_keys) div incr_keys. */
export const keyCodeZeros = (minKeys: number, incrKeys: number, delta: number): number =>
  ((delta - minKeys) / incrKeys) | 0

/** The min_bits-bit field of the key code of `delta`. */
export const keyCodeField = (minKeys: number, incrKeys: number, delta: number): number =>
  delta < minKeys ? delta : delta - keyCodeZeros(minKeys, incrKeys, delta) * incrKeys

/**
 * Appends an entry's value (`payloadBits` wide) followed by the key code of
 * `delta` with the given constants; payloadBits + minBits is at most 32.
 */
export const putValueAndKeyCodeWith = (
  writer: BitWriter,
  value: number,
  payloadBits: number,
  delta: number,
  minBits: number,
  minKeys: number,
  incrKeys: number
): void => {
  if (delta < minKeys) {
    writer.put(value | (delta << payloadBits), payloadBits + minBits)
    return
  }
  const zeros = keyCodeZeros(minKeys, incrKeys, delta)
  const field = value | ((delta - zeros * incrKeys) << payloadBits)
  const width = payloadBits + minBits + zeros + 1
  if (width <= 32) {
    // The usual case: value, field, zeros and the terminating 1 in one put.
    writer.put(field | (1 << (width - 1)), width)
  } else {
    writer.put(field, payloadBits + minBits)
    writer.skip(zeros)
    writer.put(1, 1)
  }
}

/**
 * Appends an entry's value (`payloadBits` wide, at most 16) followed by the
 * chapter index's key code of `delta`.
 */
export const putValueAndKeyCode = (writer: BitWriter, value: number, payloadBits: number, delta: number): void =>
  putValueAndKeyCodeWith(writer, value, payloadBits, delta, MIN_BITS, MIN_KEYS, INCR_KEYS)

/**
 * Decodes the key code at stream bit `bit` of the stream starting at byte
 * `byte`, which must end before stream bit `limit`. Returns the delta (its
 * code length is `keyCodeBitsWith(...)`), or -1 when the code runs past `limit`.
 */
export const decodeKeyCodeWith = (
  bytes: Uint8Array,
  byte: number,
  bit: number,
  limit: number,
  minBits: number,
  minKeys: number,
  incrKeys: number
): number => {
  if (bit + minBits > limit) return -1
  const field = readBitsAt(bytes, byte, bit, minBits)
  if (field < minKeys) return field
  const zeros = countZerosAt(bytes, byte, bit + minBits, limit)
  return zeros < 0 ? -1 : field + zeros * incrKeys
}

/** Decodes the chapter index's key code at stream bit `bit` (see `decodeKeyCodeWith`). */
export const decodeKeyCode = (bytes: Uint8Array, bit: number, limit: number): number =>
  decodeKeyCodeWith(bytes, 0, bit, limit, MIN_BITS, MIN_KEYS, INCR_KEYS)
