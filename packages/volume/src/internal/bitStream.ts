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
 * position, keeping fewer than 8 pending bits in a 32-bit accumulator.
 */
export class BitWriter {
  private at: number
  private pending = 0
  private pendingBits = 0

  constructor(private readonly bytes: Uint8Array, startByte: number) {
    this.at = startByte
  }

  /** The stream bit the next field will start at. */
  get bit(): number {
    return this.at * 8 + this.pendingBits
  }

  /** Appends the low `width` bits (0..25) of `value`. */
  put(value: number, width: number): void {
    this.pending |= value << this.pendingBits
    this.pendingBits += width
    while (this.pendingBits >= 8) {
      this.bytes[this.at++] = this.pending & 0xff
      this.pending >>>= 8
      this.pendingBits -= 8
    }
  }

  /** Appends `count` zero bits (the buffer is already zero there). */
  skip(count: number): void {
    const total = this.pendingBits + count
    if (total >= 8) {
      this.bytes[this.at] = this.pending & 0xff
      this.at += total >>> 3
      this.pending = 0
    }
    this.pendingBits = total & 7
  }

  /** Appends 16 name bytes read from `source` at `offset`, byte 0 first. */
  putName(source: Uint8Array, offset: number): void {
    const shift = this.pendingBits
    let carry = this.pending
    let at = this.at
    for (let i = 0; i < 16; i++) {
      const value = carry | (source[offset + i]! << shift)
      this.bytes[at++] = value & 0xff
      carry = value >>> 8
    }
    this.at = at
    this.pending = carry
  }

  /** Writes out the last partial byte, if any. */
  flush(): void {
    if (this.pendingBits > 0) this.bytes[this.at] = this.pending & 0xff
  }
}
