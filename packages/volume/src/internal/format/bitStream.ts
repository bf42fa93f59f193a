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
export const readBits = (bytes: Uint8Array, bit: number, width: number): number => readBitsAt(bytes, 0, bit, width)

/**
 * Reads a field of `width` bits (1..25) at stream bit `bit` of the stream
 * that starts at byte `byte` (so streams in arrays longer than 2^29 bytes
 * are addressed by a byte and a small bit offset).
 */
export const readBitsAt = (bytes: Uint8Array, byte: number, bit: number, width: number): number => {
  const at = byte + (bit >>> 3)
  // A 4-byte window shifted by at most 7 still holds 25 valid bits.
  const window = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> (bit & 7)
  return window & ((1 << width) - 1)
}

/**
 * At least 25 valid bits of the stream starting at byte `byte`, from stream
 * bit `bit` on (its bit 0 is stream bit `bit`): one unaligned 32-bit load.
 * The view must have 3 bytes of room after the bits needed.
 */
export const windowAt = (view: DataView, byte: number, bit: number): number =>
  view.getUint32(byte + (bit >>> 3), true) >>> (bit & 7)

/** Reads a field of `width` bits (1..32), as `readBitsAt` does for narrower ones. */
export const readWideBitsAt = (bytes: Uint8Array, byte: number, bit: number, width: number): number =>
  width <= 25
    ? readBitsAt(bytes, byte, bit, width)
    : readBitsAt(bytes, byte, bit, 16) + readBitsAt(bytes, byte, bit + 16, width - 16) * 65536

/**
 * Writes `value` (below 2^width) as a field of `width` bits (1..25) at
 * stream bit `bit` from byte `byte`, keeping every other bit. It rewrites
 * 4 whole bytes, so `bytes` needs 3 bytes of room after the field.
 */
export const writeBitsAt = (bytes: Uint8Array, byte: number, bit: number, value: number, width: number): void => {
  const at = byte + (bit >>> 3)
  const shift = bit & 7
  const mask = ((1 << width) - 1) << shift
  const window = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) & ~mask |
    ((value << shift) & mask)
  bytes[at] = window
  bytes[at + 1] = window >>> 8
  bytes[at + 2] = window >>> 16
  bytes[at + 3] = window >>> 24
}

/** Writes a field of `width` bits (1..32), as `writeBitsAt` does for narrower ones. */
export const writeWideBitsAt = (bytes: Uint8Array, byte: number, bit: number, value: number, width: number): void => {
  if (width <= 25) {
    writeBitsAt(bytes, byte, bit, value, width)
  } else {
    writeBitsAt(bytes, byte, bit, value & 0xffff, 16)
    writeBitsAt(bytes, byte, bit + 16, Math.floor(value / 65536), width - 16)
  }
}

const CHUNK_BITS = 24
/** Byte runs up to this long are copied by a loop. */
const SHORT_BYTES = 64

/**
 * Copies `count` bits from stream bit `sourceBit` after byte `sourceByte` of
 * `source` to stream bit `targetBit` after byte `targetByte` of `target`,
 * keeping the target's other bits. The two ranges may overlap in one array
 * (a move): the copy runs from the end that cannot overwrite unread bits.
 */
export const copyBits = (
  source: Uint8Array,
  sourceByte: number,
  sourceBit: number,
  target: Uint8Array,
  targetByte: number,
  targetBit: number,
  count: number
): void => {
  if (count <= 0) return
  if (((sourceBit - targetBit) & 7) === 0) {
    // The same bit phase: whole bytes move with copyWithin/set, the partial ends by field.
    const phase = sourceBit & 7
    const head = phase === 0 ? 0 : Math.min(8 - phase, count)
    const from = sourceByte + (sourceBit >>> 3)
    const to = targetByte + (targetBit >>> 3)
    const middleBytes = (count - head) >>> 3
    const tail = count - head - middleBytes * 8
    const headValue = head === 0 ? 0 : readBitsAt(source, from, phase, head)
    const tailValue = tail === 0 ? 0 : readBitsAt(source, from, phase + head + middleBytes * 8, tail)
    const middleFrom = from + (head === 0 ? 0 : 1)
    const middleTo = to + (head === 0 ? 0 : 1)
    if (middleBytes > SHORT_BYTES) {
      if (source === target) target.copyWithin(middleTo, middleFrom, middleFrom + middleBytes)
      else target.set(source.subarray(middleFrom, middleFrom + middleBytes), middleTo)
    } else if (middleTo < middleFrom || source !== target) {
      // A short run costs less as a loop than as a native call (and its subarray).
      for (let k = 0; k < middleBytes; k++) target[middleTo + k] = source[middleFrom + k]!
    } else {
      for (let k = middleBytes - 1; k >= 0; k--) target[middleTo + k] = source[middleFrom + k]!
    }
    if (head > 0) writeBitsAt(target, to, phase, headValue, head)
    if (tail > 0) writeBitsAt(target, middleTo + middleBytes, 0, tailValue, tail)
  } else if (source !== target && count >= 64) {
    shiftCopy(source, sourceByte, sourceBit, target, targetByte, targetBit, count)
  } else if (source === target && targetByte * 8 + targetBit > sourceByte * 8 + sourceBit) {
    for (let left = count; left > 0;) {
      const width = left < CHUNK_BITS ? left : CHUNK_BITS
      left -= width
      writeBitsAt(target, targetByte, targetBit + left, readBitsAt(source, sourceByte, sourceBit + left, width), width)
    }
  } else {
    for (let done = 0; done < count; done += CHUNK_BITS) {
      const width = count - done < CHUNK_BITS ? count - done : CHUNK_BITS
      writeBitsAt(target, targetByte, targetBit + done, readBitsAt(source, sourceByte, sourceBit + done, width), width)
    }
  }
}

// copyBits between two arrays at different bit phases: whole target bytes are made 4 at a time from
// 5 source bytes, the partial bytes at either end by field. `count` is at least 64.
const shiftCopy = (
  source: Uint8Array,
  sourceByte: number,
  sourceBit: number,
  target: Uint8Array,
  targetByte: number,
  targetBit: number,
  count: number
): void => {
  const to = targetByte * 8 + targetBit
  const from = sourceByte * 8 + sourceBit
  const firstByte = Math.ceil(to / 8)
  const endByte = Math.floor((to + count) / 8)
  const headBits = firstByte * 8 - to
  const tailBits = to + count - endByte * 8
  const headValue = headBits === 0 ? 0 : readBitsAt(source, sourceByte, sourceBit, headBits)
  const tailValue = tailBits === 0 ? 0 : readBitsAt(source, sourceByte, sourceBit + count - tailBits, tailBits)
  // Target byte t takes the 8 source bits from source bit `from + 8 (t − firstByte) + headBits`.
  const first = from + headBits
  let s = Math.floor(first / 8)
  const phase = first - s * 8
  const up = 32 - phase
  let t = firstByte
  // The word loop reads source bytes s..s + 4; the last whole target byte needs source byte s + 1 at most.
  for (; t + 4 <= endByte; t += 4, s += 4) {
    const word = (source[s]! | (source[s + 1]! << 8) | (source[s + 2]! << 16) | (source[s + 3]! << 24)) >>> phase
    const value = phase === 0 ? word : word | (source[s + 4]! << up)
    target[t] = value
    target[t + 1] = value >>> 8
    target[t + 2] = value >>> 16
    target[t + 3] = value >>> 24
  }
  for (; t < endByte; t++, s++) target[t] = (source[s]! | ((source[s + 1] ?? 0) << 8)) >>> phase
  if (headBits > 0) writeBitsAt(target, targetByte, targetBit, headValue, headBits)
  if (tailBits > 0) writeBitsAt(target, endByte, 0, tailValue, tailBits)
}

/**
 * Moves `count` bits inside `bytes` (`view` over the same memory) from
 * absolute stream bit `from` to `to` (positions may pass 2^32), keeping the
 * other bits: the growing and shrinking of a delta list in place. Whole
 * target bytes are written 4 at a time from two loads; the partial bytes at
 * either end by field. Needs 8 bytes of room after the bits.
 */
export const moveBits = (bytes: Uint8Array, view: DataView, from: number, to: number, count: number): void => {
  if (count <= 0 || from === to) return
  const fromByte = Math.floor(from / 8)
  const toByte = Math.floor(to / 8)
  const shift = to - from
  const firstByte = Math.ceil(to / 8)
  const endByte = Math.floor((to + count) / 8)
  if (shift % 8 === 0 || endByte - firstByte < 8) {
    copyBits(bytes, fromByte, from - fromByte * 8, bytes, toByte, to - toByte * 8, count)
    return
  }
  const headBits = firstByte * 8 - to
  const tailBits = to + count - endByte * 8
  const headValue = headBits === 0 ? 0 : readBitsAt(bytes, fromByte, from - fromByte * 8, headBits)
  const tailFrom = from + count - tailBits
  const tailByte = Math.floor(tailFrom / 8)
  const tailValue = tailBits === 0 ? 0 : readBitsAt(bytes, tailByte, tailFrom - tailByte * 8, tailBits)
  // Target byte t takes the 8 source bits from bit 8t − shift; each load reads only bytes not yet written.
  const phase = (((-shift) % 8) + 8) % 8
  const back = (firstByte * 8 - shift - phase) / 8 - firstByte
  if (shift > 0) {
    let t = endByte
    for (; t - 4 >= firstByte; t -= 4) {
      const source = t - 4 + back
      view.setUint32(t - 4, (view.getUint32(source, true) >>> phase) | (bytes[source + 4]! << (32 - phase)), true)
    }
    for (t--; t >= firstByte; t--) bytes[t] = (bytes[t + back]! | (bytes[t + back + 1]! << 8)) >>> phase
  } else {
    let t = firstByte
    for (; t + 4 <= endByte; t += 4) {
      const source = t + back
      view.setUint32(t, (view.getUint32(source, true) >>> phase) | (bytes[source + 4]! << (32 - phase)), true)
    }
    for (; t < endByte; t++) bytes[t] = (bytes[t + back]! | (bytes[t + back + 1]! << 8)) >>> phase
  }
  if (headBits > 0) writeBitsAt(bytes, toByte, to - toByte * 8, headValue, headBits)
  if (tailBits > 0) writeBitsAt(bytes, endByte, 0, tailValue, tailBits)
}

/**
 * How many 0 bits follow stream bit `bit` before the first 1 bit, looking no
 * further than stream bit `limit` (exclusive). Returns -1 when there is no 1
 * bit before `limit`.
 */
export const countZeros = (bytes: Uint8Array, bit: number, limit: number): number => countZerosAt(bytes, 0, bit, limit)

/** `countZeros` in the stream that starts at byte `byte`. */
export const countZerosAt = (bytes: Uint8Array, byte: number, bit: number, limit: number): number => {
  let at = bit
  while (at < limit) {
    const window = readBitsAt(bytes, byte, at, 24)
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
export const nameEquals = (bytes: Uint8Array, bit: number, name: Uint8Array): boolean => nameEqualsAt(bytes, 0, bit, name)

/** `nameEquals` in the stream that starts at byte `byte`. */
export const nameEqualsAt = (bytes: Uint8Array, byte: number, bit: number, name: Uint8Array): boolean => {
  let at = byte + (bit >>> 3)
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

/** Writes the 16 bytes of `name` at stream bit `bit` from byte `byte`, byte 0 first. */
export const writeNameAt = (bytes: Uint8Array, byte: number, bit: number, name: Uint8Array): void => {
  for (let i = 0; i < 16; i += 2) writeBitsAt(bytes, byte, bit + i * 8, name[i]! | (name[i + 1]! << 8), 16)
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
