/**
 * Name → (sub-index, delta list, address) (volume-index.md §3): bytes 0..7
 * read big-endian give X; the address is X's low A bits and the list is
 * (X >> A) mod L, a real modulo. Bytes 14..15 (big-endian) decide whether a
 * name is a hook of a sparse index.
 *
 * @internal
 */

/** The address of `name`: the low `addressBits` (at most 31) bits of its first 8 bytes. */
export const nameAddress = (name: Uint8Array, addressMask: number): number =>
  ((name[4]! << 24) | (name[5]! << 16) | (name[6]! << 8) | name[7]!) & addressMask

/** The delta list of `name`: (X >> addressBits) mod listCount. */
export const nameList = (name: Uint8Array, addressBits: number, listCount: number): number => {
  const high = ((name[0]! << 24) | (name[1]! << 16) | (name[2]! << 8) | name[3]!) >>> 0
  const low = ((name[4]! << 24) | (name[5]! << 16) | (name[6]! << 8) | name[7]!) >>> 0
  const shift = 32 - addressBits
  const lowPart = addressBits === 32 ? 0 : low >>> addressBits
  if ((listCount & (listCount - 1)) === 0 && listCount <= 2 ** 31 && shift < 32) {
    // A power of two: the low bits of X >> A, in 32-bit arithmetic.
    return ((high << shift) | lowPart) & (listCount - 1)
  }
  if (shift <= 21) {
    // high × 2^shift + lowPart < 2^53: exact in a double.
    return (high * 2 ** shift + lowPart) % listCount
  }
  // Fold high in 16-bit steps so each product stays below 2^53.
  let rest = high % listCount
  let left = shift
  while (left > 0) {
    const step = left < 16 ? left : 16
    rest = (rest * 2 ** step) % listCount
    left -= step
  }
  return (rest + lowPart) % listCount
}

/** Whether `name` is a hook: its bytes 14..15 (big-endian) mod `sampleRate` are 0. */
export const isHook = (name: Uint8Array, sampleRate: number): boolean =>
  sampleRate > 0 && ((name[14]! << 8) | name[15]!) % sampleRate === 0
