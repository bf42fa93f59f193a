/**
 * A validated index page ready to be searched (chapter-index.md §9).
 *
 * Every list on the page was walked once already (by the decoder, or written
 * by the packer), and that walk kept each normal entry's key and value in
 * a flat array: a search is a binary search over one list's keys instead of a
 * walk through its bit stream. Only collision entries (a few per chapter)
 * are read from the page bytes, and only for an address that has them.
 *
 * @internal
 */
import { nameEquals, readBits } from "./bitStream.js"
import { chapterAddress, chapterDeltaList } from "./chapterHash.js"
import { MIN_BITS, NAME_BITS } from "./deltaCode.js"
import { carve } from "./slab.js"

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
 *
 * The entry table and the page's bytes share one piece of memory, carved
 * from a shared block (see slab.ts).
 */
export class PageEntriesBuilder {
  /** The page's entry table: see PackedIndexPage.table. */
  private readonly table: Uint32Array
  /** The page's bytes, to be written or copied in by the caller. */
  readonly page: Uint8Array
  /** Where the (key, value) pairs start in `table`. */
  private readonly base: number
  private collisions: Map<number, number> | undefined = undefined
  private count = 0
  private lists = 0

  /**
   * `capacity` bounds the normal entries; `listCount` is the number of lists;
   * `pageBytes` the size of the page.
   */
  constructor(capacity: number, private readonly listCount: number, pageBytes: number) {
    this.base = 2 * (listCount + 1)
    const tableLength = this.base + 2 * capacity
    const { buffer, offset } = carve(4 * tableLength + pageBytes)
    this.table = new Uint32Array(buffer, offset, tableLength)
    this.page = new Uint8Array(buffer, offset + 4 * tableLength, pageBytes)
  }

  /** Sets where list j (0 .. listCount, listCount being the end of the last) starts in the page's bit stream. */
  listStart(j: number, bit: number): void {
    this.table[this.listCount + 1 + j] = bit
  }

  /** Adds a normal entry (key may exceed 32 bits on an odd page; it is clamped). */
  normal(key: number, value: number): void {
    const at = this.base + 2 * this.count
    this.table[at] = key < MAX_KEY ? key : MAX_KEY
    this.table[at + 1] = value
    this.count++
  }

  /** Records a collision entry at stream bit `bit`, following the last normal entry. */
  collision(bit: number): void {
    const owner = this.count - 1
    const at = this.base + 2 * owner + 1
    const value = this.table[at]!
    if (value >= HAS_COLLISIONS) return
    this.table[at] = value | HAS_COLLISIONS
    if (this.collisions === undefined) this.collisions = new Map()
    this.collisions.set(owner, bit)
  }

  /** Ends the current list. */
  endList(): void {
    this.table[++this.lists] = this.count
  }

  /** The searchable page, over `page` (which must hold the page by now). */
  finish(virtualChapter: number, lowestList: number, shape: PageShape): PackedIndexPage {
    return new PackedIndexPage(
      this.page,
      virtualChapter,
      lowestList,
      (lowestList + this.listCount - 1) >>> 0,
      this.listCount,
      this.table.subarray(0, this.base + 2 * this.count),
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
    /**
     * One array, so a search of a page the processor has not cached touches
     * few memory lines: first listCount + 1 entry numbers (list j's normal
     * entries are entries table[j] .. table[j + 1] − 1), then listCount + 1
     * bit offsets (list j occupies bits [table[listCount + 1 + j],
     * table[listCount + 2 + j]) of the page), then entry i's key at
     * 2 (listCount + 1) + 2i and its value right after it.
     */
    private readonly table: Uint32Array,
    /** Normal entry position → stream bit of its first collision entry. */
    private readonly collisions: Map<number, number> | undefined,
    shape: PageShape
  ) {
    this.payloadBits = shape.payloadBits
    this.addressBits = shape.addressBits
    this.listMask = shape.listMask
  }

  // The shape's fields, kept on the page itself: one object fewer to load per search.
  private readonly payloadBits: number
  private readonly addressBits: number
  private readonly listMask: number

  /**
   * The record page the page's index gives for `name`: a collision entry
   * carrying exactly this name, else the normal entry for its address (a
   * hint to confirm on the record page); `undefined` when the address is not
   * in the list, or the name's list is not on this page.
   */
  search(name: Uint8Array): number | undefined {
    const addressBits = this.addressBits
    const listCount = this.listCount
    const slot = chapterDeltaList(name, 0, addressBits, this.listMask) - this.lowestList
    if (slot < 0 || slot >= listCount) return undefined
    const address = chapterAddress(name, 0, addressBits)
    const table = this.table
    const keys = 2 * (listCount + 1)
    const end = table[slot + 1]!
    let low = table[slot]!
    let high = end
    while (low < high) {
      const middle = (low + high) >>> 1
      if (table[keys + 2 * middle]! < address) low = middle + 1
      else high = middle
    }
    if (low === end || table[keys + 2 * low] !== address) return undefined
    const value = table[keys + 2 * low + 1]!
    return value < HAS_COLLISIONS ? value : this.searchCollisions(value - HAS_COLLISIONS, low, slot, name)
  }

  // The collision entries of an address follow its normal entry; their key code is all zeros.
  private searchCollisions(value: number, entry: number, slot: number, name: Uint8Array): number {
    const bytes = this.bytes
    const payloadBits = this.payloadBits
    const end = this.table[this.listCount + 2 + slot]!
    let bit = this.collisions!.get(entry)!
    while (bit < end && readBits(bytes, bit + payloadBits, MIN_BITS) === 0) {
      if (nameEquals(bytes, bit + payloadBits + MIN_BITS, name)) return readBits(bytes, bit, payloadBits)
      bit += payloadBits + MIN_BITS + NAME_BITS
    }
    return value
  }
}
