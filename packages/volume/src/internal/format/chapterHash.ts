/**
 * Where a record name goes in the chapter index (chapter-index.md §1): name
 * bytes 8..13, read big-endian as a 48-bit number X, give the address (the
 * low `addressBits` bits of X) and the delta list (the next bits, modulo the
 * power-of-two list count).
 *
 * The geometry keeps `addressBits` within 17..22 and the list count at most
 * 2^16, so X is handled in two halves (24 + 24 or 16 + 32 bits) with 32-bit
 * integer arithmetic.
 *
 * @internal
 */

/** The address of the name stored at `offset` of `bytes`. */
export const chapterAddress = (bytes: Uint8Array, offset: number, addressBits: number): number =>
  ((bytes[offset + 11]! << 16) | (bytes[offset + 12]! << 8) | bytes[offset + 13]!) & ((1 << addressBits) - 1)

/** The delta list of the name stored at `offset` of `bytes`; `listMask` is the list count − 1. */
export const chapterDeltaList = (bytes: Uint8Array, offset: number, addressBits: number, listMask: number): number => {
  const high = (bytes[offset + 8]! << 16) | (bytes[offset + 9]! << 8) | bytes[offset + 10]!
  const low = (bytes[offset + 11]! << 16) | (bytes[offset + 12]! << 8) | bytes[offset + 13]!
  return ((high << (24 - addressBits)) | (low >>> addressBits)) & listMask
}

/**
 * The address of the name at byte `offset` of `view`, reading bytes 10..13
 * as one big-endian word (faster than byte loads over a whole chapter).
 */
export const viewChapterAddress = (view: DataView, offset: number, addressBits: number): number =>
  view.getUint32(offset + 10, false) & ((1 << addressBits) - 1)

/** The delta list of the name at byte `offset` of `view` (bytes 8..9 and 10..13 as big-endian words). */
export const viewChapterDeltaList = (view: DataView, offset: number, addressBits: number, listMask: number): number =>
  ((view.getUint16(offset + 8, false) << (32 - addressBits)) | (view.getUint32(offset + 10, false) >>> addressBits)) &
  listMask
