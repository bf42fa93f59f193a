/**
 * The working memory of one zone of a delta index (volume-index.md
 * Appendix A): one byte array holding the zone's delta lists as bit
 * streams, with a start bit and a bit size per list. Lists 1..N are the
 * zone's lists; descriptors 0 and N + 1 are guards (the tail guard is 56
 * one bits at the end of the array).
 *
 * Everything else a list needs (start, size, flush chapter, search
 * checkpoints) sits in one 32-byte record per descriptor, so a get or put
 * touches one cache line of bookkeeping instead of one per array. 32 bytes
 * is what the reference spends per list (a 16-byte descriptor, an 8-byte
 * flush chapter and 8 bytes of rebalance scratch, volume-index.md §7).
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

/**
 * Search checkpoints per list (kept by DeltaZone in the list records):
 * four fit in a 32-byte record beside the start, size and flush chapter.
 */
export const CHECKPOINTS = 4
// A record: the start as a byte (word 0) and a bit phase (octet 6), the bit size (half 2), whether
// the checkpoints are set (octet 7), the flush chapter (float 1), the checkpoints' offsets
// (halves 8..11) and key distances (halves 12..15). A zone's array is below 2^32 bytes (Node's
// limit for a typed array), so the start byte fits a u32.
const RECORD_BYTES = 32
/** The half of a record holding the list's bit size. */
export const SIZE_HALF = 2
const PHASE_OCTET = 6
/** The octet of a record that says whether its checkpoints are set (1) or not yet (0). */
export const CHECKPOINTS_SET_OCTET = 7
/** Halves from a record's start to its first checkpoint offset. */
export const OFFSET_HALF = 8
/** Halves from a record's start to its first checkpoint key distance. */
export const DISTANCE_HALF = OFFSET_HALF + CHECKPOINTS
/** Floats, words, halves and octets per record. */
export const FLOATS = RECORD_BYTES / 8
export const WORDS = RECORD_BYTES / 4
export const HALVES = RECORD_BYTES / 2
export const OCTETS = RECORD_BYTES

/** Extents up to this many bytes are moved by a loop rather than copyWithin. */
const SHORT_COPY_BYTES = 64


/** One zone's memory and list descriptors. */
export class DeltaMemory {
  /** The zone's bytes (zoneBytes of memory, then padding). */
  readonly bytes: Uint8Array
  /** A view of `bytes`, for word loads. */
  protected readonly view: DataView
  /**
   * The descriptors' records, four views of one buffer (the layout is at
   * RECORD_BYTES above; the checkpoints belong to DeltaZone).
   */
  protected readonly floats: Float64Array
  protected readonly words: Uint32Array
  protected readonly halves: Uint16Array
  protected readonly octets: Uint8Array
  /** Σ sizes of lists 1..N. */
  usedBits = 0
  /** Rebalances done (a statistic). */
  rebalances = 0

  constructor(readonly zoneBytes: number, readonly listCount: number) {
    this.bytes = new Uint8Array(zoneBytes + PADDING_BYTES)
    this.view = new DataView(this.bytes.buffer)
    const records = new ArrayBuffer((listCount + 2) * RECORD_BYTES)
    this.floats = new Float64Array(records)
    this.words = new Uint32Array(records)
    this.halves = new Uint16Array(records)
    this.octets = new Uint8Array(records)
    this.reset()
  }

  /** Bytes of the typed arrays this zone holds. */
  get memoryBytes(): number {
    return this.bytes.byteLength + this.floats.byteLength
  }

  /** The start bit of descriptor i. */
  start(i: number): number {
    return this.words[i * WORDS]! * 8 + this.octets[i * OCTETS + PHASE_OCTET]!
  }

  /** The bit of descriptor i's start byte where it starts (0..7). */
  startPhase(i: number): number {
    return this.octets[i * OCTETS + PHASE_OCTET]!
  }

  private setStart(i: number, bit: number): void {
    const byte = Math.floor(bit / 8)
    this.words[i * WORDS] = byte
    this.octets[i * OCTETS + PHASE_OCTET] = bit - byte * 8
  }

  /** The bit size of descriptor i. */
  size(i: number): number {
    return this.halves[i * HALVES + SIZE_HALF]!
  }

  /** Sets the bit size of descriptor i (a load fills the sizes before the bits). */
  setSize(i: number, size: number): void {
    this.halves[i * HALVES + SIZE_HALF] = size
  }

  /** The flush chapter of list i (1..N). */
  flushChapter(i: number): number {
    return this.floats[i * FLOATS + 1]!
  }

  setFlushChapter(i: number, chapter: number): void {
    this.floats[i * FLOATS + 1] = chapter
  }

  /**
   * Empties every list and spaces them evenly: list i starts at
   * h + (i − 1) s with s = (zone bits − 56) div N and h = s div 2. The
   * flush chapters stay.
   */
  reset(): void {
    const n = this.listCount
    const guard = this.zoneBytes * 8 - GUARD_BITS
    this.setStart(0, 0)
    this.setSize(0, 0)
    this.setStart(n + 1, guard)
    this.setSize(n + 1, GUARD_BITS)
    this.bytes.fill(0xff, this.zoneBytes - GUARD_BITS / 8, this.zoneBytes)
    const spacing = Math.floor(guard / n)
    let offset = Math.floor(spacing / 2)
    for (let i = 1; i <= n; i++, offset += spacing) {
      this.setStart(i, offset)
      this.setSize(i, 0)
    }
    this.usedBits = 0
  }

  /** The byte where descriptor i's extent starts. */
  byteStart(i: number): number {
    return this.words[i * WORDS]!
  }

  /** Bytes of descriptor i's extent: ceil((start mod 8 + size) / 8). */
  byteSize(i: number): number {
    return (this.octets[i * OCTETS + PHASE_OCTET]! + this.halves[i * HALVES + SIZE_HALF]! + 7) >>> 3
  }

  /**
   * Makes room for `count` bits at bit `offset` of list i (1..N). Returns
   * OVERFLOW when the list would exceed 65,535 bits (`listOverflow` is then
   * set) or the zone cannot hold the growth; nothing changes then.
   */
  insertBits(i: number, offset: number, count: number): number {
    const total = this.size(i)
    if (total + count > MAX_LIST_BITS) {
      this.listOverflow = true
      return OVERFLOW
    }
    this.listOverflow = false
    const before = offset
    const after = total - offset
    const freeBefore = this.start(i) - (this.start(i - 1) + this.size(i - 1))
    const freeAfter = this.start(i + 1) - (this.start(i) + total)
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
    const start = this.start(i)
    this.setSize(i, total + count)
    this.usedBits += count
    if (moveFront) {
      this.setStart(i, start - count)
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
    const total = this.size(i)
    const before = offset
    const after = total - offset - count
    let moveFront: boolean
    if (before < after) {
      moveFront = true
    } else if (after < before) {
      moveFront = false
    } else {
      const freeBefore = this.start(i) - (this.start(i - 1) + this.size(i - 1))
      const freeAfter = this.start(i + 1) - (this.start(i) + total)
      moveFront = freeBefore < freeAfter
    }
    const start = this.start(i)
    this.setSize(i, total - count)
    this.usedBits -= count
    if (moveFront) {
      this.setStart(i, start + count)
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
    const offsets = this.newOffsets(growing, growingBytes)
    if (offsets === undefined) return OVERFLOW
    this.moveLists(offsets, 1, this.listCount + 1)
    this.rebalances++
    return OK
  }

  /**
   * Places the lists where a rebalance would (Appendix A), without moving
   * any bits: for a load, whose list bits are copied in afterwards.
   * Returns OVERFLOW when the lists do not fit.
   */
  layOut(): number {
    const offsets = this.newOffsets(0, 0)
    if (offsets === undefined) return OVERFLOW
    for (let i = 1; i <= this.listCount + 1; i++) this.setStart(i, offsets[i]!)
    return OK
  }

  // The rebalanced start bit of every descriptor, or undefined when they do not fit.
  private newOffsets(growing: number, growingBytes: number): Float64Array | undefined {
    const n = this.listCount
    let used = growingBytes
    for (let i = 0; i <= n + 1; i++) used += this.byteSize(i)
    if (used > this.zoneBytes) return undefined
    // Scratch for this rebalance only: rebalances are rare (one in the whole V1 fill), so no zone keeps
    // an array of 8 bytes per list for them between rebalances.
    const offsets = new Float64Array(n + 2)
    const spacing = Math.floor((this.zoneBytes - used) / n)
    offsets[0] = 0
    for (let i = 0; i <= n; i++) {
      // offsets[i] is a byte position until it is turned into a bit position here.
      let next = offsets[i]! + this.byteSize(i) + spacing
      if (i === 0) next -= Math.floor(spacing / 2)
      if (i + 1 === growing) next += growingBytes
      offsets[i + 1] = next
      offsets[i] = offsets[i]! * 8 + this.octets[i * OCTETS + PHASE_OCTET]!
    }
    offsets[n + 1] = this.zoneBytes * 8 - this.size(n + 1)
    return offsets
  }

  // Moves descriptors first..last to their new offsets, whole bytes at a time, in an order that never
  // overwrites a list not yet moved: split in half, and do first the half the middle list moves toward.
  private moveLists(offsets: Float64Array, first: number, last: number): void {
    if (first === last) {
      const target = offsets[first]!
      const start = this.start(first)
      if (start === target) return
      const from = Math.floor(start / 8)
      const length = this.byteSize(first)
      this.setStart(first, target)
      const to = Math.floor(target / 8)
      const bytes = this.bytes
      // copyWithin's call costs more than a short list's bytes.
      if (length > SHORT_COPY_BYTES) bytes.copyWithin(to, from, from + length)
      else if (to < from) for (let k = 0; k < length; k++) bytes[to + k] = bytes[from + k]!
      else for (let k = length - 1; k >= 0; k--) bytes[to + k] = bytes[from + k]!
      return
    }
    const middle = (first + last) >>> 1
    if (offsets[middle]! > this.start(middle)) {
      this.moveLists(offsets, middle + 1, last)
      this.moveLists(offsets, first, middle)
    } else {
      this.moveLists(offsets, first, middle)
      this.moveLists(offsets, middle + 1, last)
    }
  }
}
