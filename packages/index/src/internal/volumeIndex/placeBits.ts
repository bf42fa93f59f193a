/**
 * Writing a saved list's bits into a zone's memory at another bit phase,
 * whole bytes only: the target bytes are written, never read, and the bits
 * in them around the list are zero. A load writes each list once into
 * memory that was never touched, so reading it first would fault every page
 * in twice (once for the shared zero page, once more to write it).
 *
 * @internal
 */

/**
 * Writes the `count` bits at bit `sourceBit` (0..7) of byte `sourceByte` of
 * `source` to bit `targetBit` (0..7) of byte `targetByte` of `target`, as
 * the ceil((targetBit + count) / 8) bytes from `targetByte` on. Bits of
 * `source` past its end read as zero.
 */
export const placeBits = (
  source: Uint8Array,
  sourceByte: number,
  sourceBit: number,
  target: Uint8Array,
  targetByte: number,
  targetBit: number,
  count: number
): void => {
  if (count <= 0) return
  const bytes = (targetBit + count + 7) >>> 3
  // Target byte k holds the source bits from bit 8k − targetBit of the list on.
  const skew = sourceBit - targetBit
  const from = sourceByte + (skew >> 3)
  const shift = skew & 7
  const last = bytes - 1
  if (shift === 0) {
    for (let k = 0; k < last; k++) target[targetByte + k] = source[from + k]!
  } else {
    const back = 8 - shift
    for (let k = 0; k < last; k++) target[targetByte + k] = (source[from + k]! >>> shift) | (source[from + k + 1]! << back)
  }
  // The last byte may need a source byte past the list (and past the source).
  const at = from + last
  const low = at < source.length ? source[at]! : 0
  const high = shift !== 0 && at + 1 < source.length ? source[at + 1]! : 0
  target[targetByte + last] = (low >>> shift) | (high << (8 - shift))
  target[targetByte] = target[targetByte]! & (0xff << targetBit)
  const end = (targetBit + count) & 7
  if (end !== 0) target[targetByte + last] = target[targetByte + last]! & ((1 << end) - 1)
}
