/**
 * Little-endian bit streams laid over bytes (chapter-index.md §3): stream bit
 * i is bit (i mod 8) of byte (i div 8), and a field's least significant bit
 * comes first.
 *
 * @internal
 */

/**
 * Reads a field of `width` bits (1..25) starting at stream bit `bit`.
 * Bytes past the end of `bytes` read as zero, so a caller that has checked
 * its bounds against the field (not the 4-byte window) stays correct.
 */
export const readBits = (bytes: Uint8Array, bit: number, width: number): number => {
  const at = bit >>> 3
  // A 4-byte window shifted by at most 7 still holds 25 valid bits.
  const window = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> (bit & 7)
  return window & ((1 << width) - 1)
}

/**
 * How many 0 bits follow stream bit `bit` before the first 1 bit, looking no
 * further than stream bit `limit` (exclusive). Returns -1 when there is no 1
 * bit before `limit`.
 */
export const countZeros = (bytes: Uint8Array, bit: number, limit: number): number => {
  let at = bit
  while (at < limit) {
    const window = readBits(bytes, at, 24)
    if (window !== 0) {
      const zeros = at - bit + 31 - Math.clz32(window & -window)
      return bit + zeros < limit ? zeros : -1
    }
    at += 24
  }
  return -1
}

/**
 * Whether the 16 name bytes stored at stream bit `bit` of `bytes` equal
 * `name` (bytes 0..15), compared in place.
 */
export const nameEquals = (bytes: Uint8Array, bit: number, name: Uint8Array): boolean => {
  let at = bit >>> 3
  const shift = bit & 7
  if (shift === 0) {
    for (let i = 0; i < 16; i++, at++) if (bytes[at] !== name[i]) return false
    return true
  }
  for (let i = 0; i < 16; i++, at++) {
    if ((((bytes[at]! | (bytes[at + 1]! << 8)) >>> shift) & 0xff) !== name[i]) return false
  }
  return true
}

/**
 * Appends fields to a zeroed byte buffer from a byte-aligned starting
 * position. Pending bits gather in a 32-bit accumulator written out a word
 * at a time.
 */
export class BitWriter {
  // Every field starts as a number (not undefined), so V8 keeps them unboxed integers.
  private at = 0
  private pending = 0
  private pendingBits = 0
  private readonly bytes: Uint8Array

  constructor(bytes: Uint8Array, startByte: number) {
    this.bytes = bytes
    this.at = startByte
  }

  /** The stream bit the next field will start at. */
  get bit(): number {
    return this.at * 8 + this.pendingBits
  }

  /** Appends `value` as a field of `width` bits (1..32); `value` must be below 2^width. */
  put(value: number, width: number): void {
    const pendingBits = this.pendingBits
    this.pending |= value << pendingBits
    const total = pendingBits + width
    if (total < 32) {
      this.pendingBits = total
      return
    }
    this.writeWord()
    // The high bits of `value` that did not fit the word just written.
    this.pending = pendingBits === 0 ? 0 : value >>> (32 - pendingBits)
    this.pendingBits = total - 32
  }

  /** Appends `count` zero bits (the buffer is already zero there). */
  skip(count: number): void {
    let total = this.pendingBits + count
    if (total >= 32) {
      this.writeWord()
      this.pending = 0
      total -= 32
      this.at += (total >>> 5) * 4
      total &= 31
    }
    this.pendingBits = total
  }

  /** Appends 16 name bytes read from `source` at `offset`, byte 0 first. */
  putName(source: Uint8Array, offset: number): void {
    for (let i = offset; i < offset + 16; i += 4) {
      this.put(source[i]! | (source[i + 1]! << 8) | (source[i + 2]! << 16) | (source[i + 3]! << 24), 32)
    }
  }

  /** Writes out the pending bits. */
  flush(): void {
    const bytes = this.bytes
    let pending = this.pending
    for (let at = this.at, left = this.pendingBits; left > 0; at++, left -= 8) {
      bytes[at] = pending
      pending >>>= 8
    }
  }

  private writeWord(): void {
    const bytes = this.bytes
    const at = this.at
    const pending = this.pending
    // Uint8Array stores keep the low 8 bits.
    bytes[at] = pending
    bytes[at + 1] = pending >>> 8
    bytes[at + 2] = pending >>> 16
    bytes[at + 3] = pending >>> 24
    this.at = at + 4
  }
}
