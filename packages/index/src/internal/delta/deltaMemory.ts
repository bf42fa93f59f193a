/**
 * The working memory of one zone of a delta index (volume-index.md
 * Appendix A): one byte array holding the zone's delta lists as bit
 * streams, with a start bit and a bit size per list. Lists 1..N are the
 * zone's lists; descriptors 0 and N + 1 are guards (the tail guard is 56
 * one bits at the end of the array).
 *
 * Lists grow and shrink in place by moving the bits before or after the
 * change into the free space around the list, choosing the side as the
 * reference does; when neither side has room the zone is rebalanced,
 * spreading the free space evenly. Following the reference's choices keeps
 * the lists' bit phases (and so the saved bit offsets) and the moment the
 * memory is full the same as the reference's.
 *
 * @internal
 */
import { moveBits } from "@effect-uds/volume/internal/format/bitStream"
import { OK, OVERFLOW } from "./status.js"

/** Bits of the tail guard list. */
export const GUARD_BITS = 56
/** Bytes after the zone's memory, so 4-byte windows near its end stay inside the array. */
const PADDING_BYTES = 8
/** A list's bit size is a u16. */
export const MAX_LIST_BITS = 65535

// Rebalancing needs one new offset per list; one array serves every zone (everything is synchronous).
let newOffsets = new Float64Array(0)

/** One zone's memory and list descriptors. */
export class DeltaMemory {
  /** The zone's bytes (zoneBytes of memory, then padding). */
  readonly bytes: Uint8Array
  /** A view of `bytes`, for word loads. */
  protected readonly view: DataView
  /** Start bit of each descriptor 0 .. N + 1 (can exceed 2^32 in a large zone). */
  readonly starts: Float64Array
  /** Bit size of each descriptor 0 .. N + 1. */
  readonly sizes: Uint16Array
  /** Σ sizes of lists 1..N. */
  usedBits = 0
  /** Rebalances done (a statistic). */
  rebalances = 0

  constructor(readonly zoneBytes: number, readonly listCount: number) {
    this.bytes = new Uint8Array(zoneBytes + PADDING_BYTES)
    this.view = new DataView(this.bytes.buffer)
    this.starts = new Float64Array(listCount + 2)
    this.sizes = new Uint16Array(listCount + 2)
    this.reset()
  }

  /** Bytes of the typed arrays this zone holds. */
  get memoryBytes(): number {
    return this.bytes.byteLength + this.starts.byteLength + this.sizes.byteLength
  }

  /**
   * Empties every list and spaces them evenly: list i starts at
   * h + (i − 1) s with s = (zone bits − 56) div N and h = s div 2.
   */
  reset(): void {
    const n = this.listCount
    const starts = this.starts
    starts.fill(0)
    this.sizes.fill(0)
    const guard = this.zoneBytes * 8 - GUARD_BITS
    starts[n + 1] = guard
    this.sizes[n + 1] = GUARD_BITS
    this.bytes.fill(0xff, this.zoneBytes - GUARD_BITS / 8, this.zoneBytes)
    const spacing = Math.floor(guard / n)
    let offset = Math.floor(spacing / 2)
    for (let i = 1; i <= n; i++, offset += spacing) starts[i] = offset
    this.usedBits = 0
  }

  /** The byte where descriptor i's extent starts. */
  byteStart(i: number): number {
    return Math.floor(this.starts[i]! / 8)
  }

  /** Bytes of descriptor i's extent: ceil((start mod 8 + size) / 8). */
  byteSize(i: number): number {
    return Math.ceil(((this.starts[i]! % 8) + this.sizes[i]!) / 8)
  }

  /**
   * Makes room for `count` bits at bit `offset` of list i (1..N). Returns
   * OVERFLOW when the list would exceed 65,535 bits (`listOverflow` is then
   * set) or the zone cannot hold the growth; nothing changes then.
   */
  insertBits(i: number, offset: number, count: number): number {
    const starts = this.starts
    const sizes = this.sizes
    const total = sizes[i]!
    if (total + count > MAX_LIST_BITS) {
      this.listOverflow = true
      return OVERFLOW
    }
    this.listOverflow = false
    const before = offset
    const after = total - offset
    const freeBefore = starts[i]! - (starts[i - 1]! + sizes[i - 1]!)
    const freeAfter = starts[i + 1]! - (starts[i]! + total)
    let moveFront: boolean
    if (count <= freeBefore && count <= freeAfter) {
      // Move the smaller part; on a tie take from the larger gap.
      moveFront = before < after ? true : after < before ? false : freeBefore > freeAfter
    } else if (count <= freeBefore) {
      moveFront = true
    } else if (count <= freeAfter) {
      moveFront = false
    } else {
      moveFront = before < after
      if (this.rebalance(moveFront ? i : i + 1, Math.ceil(count / 8)) !== OK) return OVERFLOW
    }
    const start = starts[i]!
    sizes[i] = total + count
    this.usedBits += count
    if (moveFront) {
      starts[i] = start - count
      moveBits(this.bytes, this.view, start, start - count, before)
    } else {
      moveBits(this.bytes, this.view, start + offset, start + offset + count, after)
    }
    return OK
  }

  /** Whether the last failed insertBits failed on the list's size limit (else on memory). */
  listOverflow = false

  /** Removes `count` bits at bit `offset` of list i, moving the smaller remaining part. */
  deleteBits(i: number, offset: number, count: number): void {
    const starts = this.starts
    const sizes = this.sizes
    const total = sizes[i]!
    const before = offset
    const after = total - offset - count
    let moveFront: boolean
    if (before < after) {
      moveFront = true
    } else if (after < before) {
      moveFront = false
    } else {
      const freeBefore = starts[i]! - (starts[i - 1]! + sizes[i - 1]!)
      const freeAfter = starts[i + 1]! - (starts[i]! + total)
      moveFront = freeBefore < freeAfter
    }
    const start = starts[i]!
    sizes[i] = total - count
    this.usedBits -= count
    if (moveFront) {
      starts[i] = start + count
      moveBits(this.bytes, this.view, start, start + count, before)
    } else {
      moveBits(this.bytes, this.view, start + offset + count, start + offset, after)
    }
  }

  /**
   * Spreads the free bytes evenly between the lists, keeping each list's bit
   * phase, with `growingBytes` more in front of descriptor `growing` (0 for
   * none). Returns OVERFLOW when the lists and the growth do not fit.
   */
  rebalance(growing: number, growingBytes: number): number {
    const n = this.listCount
    let used = growingBytes
    for (let i = 0; i <= n + 1; i++) used += this.byteSize(i)
    if (used > this.zoneBytes) return OVERFLOW
    if (newOffsets.length < n + 2) newOffsets = new Float64Array(n + 2)
    const offsets = newOffsets
    const spacing = Math.floor((this.zoneBytes - used) / n)
    offsets[0] = 0
    for (let i = 0; i <= n; i++) {
      // offsets[i] is a byte position until it is turned into a bit position here.
      let next = offsets[i]! + this.byteSize(i) + spacing
      if (i === 0) next -= Math.floor(spacing / 2)
      if (i + 1 === growing) next += growingBytes
      offsets[i + 1] = next
      offsets[i] = offsets[i]! * 8 + (this.starts[i]! % 8)
    }
    offsets[n + 1] = this.zoneBytes * 8 - this.sizes[n + 1]!
    this.moveLists(offsets, 1, n + 1)
    this.rebalances++
    return OK
  }

  // Moves descriptors first..last to their new offsets, whole bytes at a time, in an order that never
  // overwrites a list not yet moved: split in half, and do first the half the middle list moves toward.
  private moveLists(offsets: Float64Array, first: number, last: number): void {
    if (first === last) {
      const target = offsets[first]!
      const start = this.starts[first]!
      if (start === target) return
      const from = Math.floor(start / 8)
      const length = this.byteSize(first)
      this.starts[first] = target
      const to = Math.floor(target / 8)
      this.bytes.copyWithin(to, from, from + length)
      return
    }
    const middle = (first + last) >>> 1
    if (offsets[middle]! > this.starts[middle]!) {
      this.moveLists(offsets, middle + 1, last)
      this.moveLists(offsets, first, middle)
    } else {
      this.moveLists(offsets, first, middle)
      this.moveLists(offsets, middle + 1, last)
    }
  }
}
