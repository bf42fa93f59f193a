// Comparing index pages with the reference's: the reference leaves stale bits between the
// end of the list data and the 7 guard bytes, so only the data and the guard are compared.

/** The bit offset where a packed index page's list data ends (offset n of its offset table). */
export const listDataEndBit = (page: Uint8Array): number => {
  const listCount = page[18]! | (page[19]! << 8)
  const bit = 160 + 19 * listCount
  let value = 0
  for (let i = 0; i < 19; i++) {
    const at = bit + i
    value |= ((page[at >> 3]! >> (at & 7)) & 1) << i
  }
  return value
}

/**
 * The page with the stale gap cleared: bits from the end of the list data up
 * to the guard bytes set to zero, as our writer leaves them.
 */
export const withoutStaleGap = (page: Uint8Array): Uint8Array => {
  const copy = page.slice()
  const end = listDataEndBit(page)
  const guard = page.length - 7
  const byte = end >> 3
  if (byte >= guard) return copy
  copy[byte] = copy[byte]! & ((1 << (end & 7)) - 1)
  copy.fill(0, byte + 1, guard)
  return copy
}
