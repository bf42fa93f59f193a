/**
 * A validated index page ready to be searched (chapter-index.md §9).
 *
 * Every list on the page was walked once already (by the decoder, or written
 * by the packer), and that walk kept each normal entry's key and value in
 * flat arrays: a search is a binary search over one list's keys instead of a
 * walk through its bit stream. Only collision entries (a few per chapter)
 * are read from the page bytes, and only for an address that has them.
 *
 * @internal
 */
import { nameEquals, readBits } from "./bitStream.js"
import { chapterAddress, chapterDeltaList } from "./chapterHash.js"
import { MIN_BITS, NAME_BITS } from "./deltaCode.js"

/** Set in a value when collision entries follow the normal entry. */
const HAS_COLLISIONS = 0x10000
/** Keys beyond this (only on odd but valid pages) compare above every address. */
const MAX_KEY = 0xffffffff

/** The geometry values a page search needs. */
export interface PageShape {
  readonly payloadBits: number
  readonly addressBits: number
  /** deltaListsPerChapter − 1. */
  readonly listMask: number
}

/**
 * Collects a page's normal entries list by list, and where the collision
 * entries of each address start, while the page is walked or written.
 */
export class PageEntriesBuilder {
  private readonly keys: Uint32Array
  private readonly values: Uint32Array
  private readonly entryStarts: Uint32Array
  private collisions: Map<number, number> | undefined = undefined
  private count = 0
  private lists = 0

  /** `capacity` bounds the normal entries; `listCount` is the number of lists. */
  constructor(capacity: number, listCount: number) {
    this.keys = new Uint32Array(capacity)
    this.values = new Uint32Array(capacity)
    this.entryStarts = new Uint32Array(listCount + 1)
  }

  /** Adds a normal entry (key may exceed 32 bits on an odd page; it is clamped). */
  normal(key: number, value: number): void {
    this.keys[this.count] = key < MAX_KEY ? key : MAX_KEY
    this.values[this.count] = value
    this.count++
  }

  /** Records a collision entry at stream bit `bit`, following the last normal entry. */
  collision(bit: number): void {
    const owner = this.count - 1
    const value = this.values[owner]!
    if (value >= HAS_COLLISIONS) return
    this.values[owner] = value | HAS_COLLISIONS
    if (this.collisions === undefined) this.collisions = new Map()
    this.collisions.set(owner, bit)
  }

  /** Ends the current list. */
  endList(): void {
    this.entryStarts[++this.lists] = this.count
  }

  /** The searchable page. */
  finish(
    bytes: Uint8Array,
    virtualChapter: number,
    lowestList: number,
    listCount: number,
    listBitStarts: Uint32Array,
    shape: PageShape
  ): PackedIndexPage {
    return new PackedIndexPage(
      bytes,
      virtualChapter,
      lowestList,
      (lowestList + listCount - 1) >>> 0,
      listCount,
      listBitStarts,
      this.entryStarts,
      this.keys.subarray(0, this.count),
      this.values.subarray(0, this.count),
      this.collisions,
      shape
    )
  }
}

/** A decoded, validated index page. */
export class PackedIndexPage {
  constructor(
    /** The raw page. */
    readonly bytes: Uint8Array,
    readonly virtualChapter: number,
    readonly lowestList: number,
    /** lowestList + listCount − 1 as a u32 (0xFFFFFFFF for an empty page starting at list 0). */
    readonly highestList: number,
    readonly listCount: number,
    /** listCount + 1 bit offsets: list j occupies bits [listBitStarts[j], listBitStarts[j + 1]). */
    private readonly listBitStarts: Uint32Array,
    /** listCount + 1 positions in keys/values: list j's normal entries. */
    private readonly entryStarts: Uint32Array,
    private readonly keys: Uint32Array,
    private readonly values: Uint32Array,
    /** Normal entry position → stream bit of its first collision entry. */
    private readonly collisions: Map<number, number> | undefined,
    private readonly shape: PageShape
  ) {}

  /**
   * The record page the page's index gives for `name`: a collision entry
   * carrying exactly this name, else the normal entry for its address (a
   * hint to confirm on the record page); `undefined` when the address is not
   * in the list, or the name's list is not on this page.
   */
  search(name: Uint8Array): number | undefined {
    const { addressBits, listMask } = this.shape
    const slot = chapterDeltaList(name, 0, addressBits, listMask) - this.lowestList
    if (slot < 0 || slot >= this.listCount) return undefined
    const address = chapterAddress(name, 0, addressBits)
    const keys = this.keys
    const end = this.entryStarts[slot + 1]!
    let low = this.entryStarts[slot]!
    let high = end
    while (low < high) {
      const middle = (low + high) >>> 1
      if (keys[middle]! < address) low = middle + 1
      else high = middle
    }
    if (low === end || keys[low] !== address) return undefined
    const value = this.values[low]!
    return value < HAS_COLLISIONS ? value : this.searchCollisions(value - HAS_COLLISIONS, low, slot, name)
  }

  // The collision entries of an address follow its normal entry; their key code is all zeros.
  private searchCollisions(value: number, entry: number, slot: number, name: Uint8Array): number {
    const bytes = this.bytes
    const payloadBits = this.shape.payloadBits
    const end = this.listBitStarts[slot + 1]!
    let bit = this.collisions!.get(entry)!
    while (bit < end && readBits(bytes, bit + payloadBits, MIN_BITS) === 0) {
      if (nameEquals(bytes, bit + payloadBits + MIN_BITS, name)) return readBits(bytes, bit, payloadBits)
      bit += payloadBits + MIN_BITS + NAME_BITS
    }
    return value
  }
}
