// Rewritten chapters for volume tests: dedup data repeats names across chapters.

/** The records of `records` with the same names and every data byte inverted. */
export const sameNamesOtherData = (records: Uint8Array): Uint8Array => {
  const other = records.slice()
  for (let offset = 16; offset < other.length; offset += 32) {
    for (let i = 0; i < 16; i++) other[offset + i] = ~other[offset + i]! & 0xff
  }
  return other
}
