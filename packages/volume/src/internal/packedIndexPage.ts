/**
 * A validated index page ready to be searched (chapter-index.md §9). Every
 * list on it has been walked once already (by the decoder, or built by the
 * packer), so searching needs no bounds checks and cannot fail.
 *
 * @internal
 */
import { nameEquals, readBits } from "./bitStream.js"
import { chapterAddress, chapterDeltaList } from "./chapterHash.js"
import { INCR_KEYS, MIN_BITS, MIN_KEYS } from "./deltaCode.js"

/** Bits of a collision entry's stored name. */
const NAME_BITS = 128

/** The list layout of an index page and the geometry values a search needs. */
export class PackedIndexPage {
  constructor(
    /** The raw page. */
    readonly bytes: Uint8Array,
    readonly virtualChapter: number,
    readonly lowestList: number,
    /** first + count − 1 as a u32 (0xFFFFFFFF for an empty page starting at list 0). */
    readonly highestList: number,
    readonly listCount: number,
    /** listCount + 1 bit offsets: list j occupies [starts[j], starts[j + 1]). */
    private readonly starts: Uint32Array,
    private readonly payloadBits: number,
    private readonly addressBits: number,
    private readonly listMask: number
  ) {}

  /**
   * The record page the page's index gives for `name`: a collision entry
   * carrying exactly this name, else the normal entry for its address (a
   * hint to confirm on the record page); `undefined` when the address is not
   * in the list, or the name's list is not on this page.
   */
  search(name: Uint8Array): number | undefined {
    const slot = chapterDeltaList(name, 0, this.addressBits, this.listMask) - this.lowestList
    if (slot < 0 || slot >= this.listCount) return undefined
    const address = chapterAddress(name, 0, this.addressBits)
    const bytes = this.bytes
    const payloadBits = this.payloadBits
    const start = this.starts[slot]!
    const end = this.starts[slot + 1]!
    let bit = start
    let key = 0
    while (bit < end) {
      const entry = bit
      const value = readBits(bytes, bit, payloadBits)
      bit += payloadBits
      let delta = readBits(bytes, bit, MIN_BITS)
      bit += MIN_BITS
      if (delta >= MIN_KEYS) {
        const zeros = countZerosUnchecked(bytes, bit)
        delta += zeros * INCR_KEYS
        bit += zeros + 1
      }
      if (delta === 0 && entry !== start) {
        // A collision entry of an earlier (smaller) key.
        bit += NAME_BITS
        continue
      }
      key += delta
      if (key < address) continue
      if (key !== address) return undefined
      // The collision entries of this key follow; their key code is all zeros.
      while (bit < end && readBits(bytes, bit + payloadBits, MIN_BITS) === 0) {
        if (nameEquals(bytes, bit + payloadBits + MIN_BITS, name)) return readBits(bytes, bit, payloadBits)
        bit += payloadBits + MIN_BITS + NAME_BITS
      }
      return value
    }
    return undefined
  }
}

// The validated page guarantees a 1 bit before the list's end.
const countZerosUnchecked = (bytes: Uint8Array, bit: number): number => {
  let at = bit
  for (;;) {
    const window = readBits(bytes, at, 24)
    if (window !== 0) return at - bit + 31 - Math.clz32(window & -window)
    at += 24
  }
}
