/**
 * The entries of one zone's delta lists (chapter-index.md §2–§4 with the
 * volume index's field widths, volume-index.md §4.1, §5): searching a list,
 * inserting an ordinary or a collision entry, changing a value, removing an
 * entry, and walking a list to remove expired entries. Entries are decoded
 * and encoded in place in the zone's memory; no entry is ever an object.
 *
 * @internal
 */
import {
  countZerosAt,
  nameEqualsAt,
  readBitsAt,
  readWideBitsAt,
  windowAt,
  writeBitsAt,
  writeNameAt,
  writeWideBitsAt
} from "@effect-uds/volume/internal/format/bitStream"
import { keyCodeBitsWith, keyCodeZeros, NAME_BITS } from "@effect-uds/volume/internal/format/deltaCode"
import {
  CHECKPOINTS,
  CHECKPOINTS_SET_OCTET,
  DeltaMemory,
  DISTANCE_HALF,
  HALVES,
  OCTETS,
  OFFSET_HALF,
  SIZE_HALF
} from "./deltaMemory.js"
import { CORRUPT_DATA, OK, OVERFLOW } from "./status.js"

/** The field widths and key code constants of a delta index. */
export interface Coding {
  /** Width of the value field. */
  readonly valueBits: number
  readonly minBits: number
  readonly minKeys: number
  readonly incrKeys: number
  /** Keys are below 2^keyBits (8..31). */
  readonly keyBits: number
}

/**
 * A position in a list: the entry found by a search (or the entry a new
 * key would go in front of, or the end). Reused: one per caller.
 */
export class DeltaCursor {
  /** Descriptor (1..N) of the list in its zone. */
  list = 0
  /** Bit offset of the entry from the list's start (the list size at the end). */
  offset = 0
  /** The entry's key; at the end, the last key of the list. */
  key = 0
  /** The entry's delta from the key before it. */
  delta = 0
  /** Bits of the entry, 0 at the end. */
  entryBits = 0
  value = 0
  atEnd = true
  /** Whether the entry is a collision entry (carries a name). */
  collision = false
}

/** A checkpoint offset that is unset (its key distance did not fit 16 bits). */
const NO_CHECKPOINT = 0xffff
/** Lists shorter than this are walked from the start. */
const CHECKPOINT_MIN_BITS = 768
/** Checkpoint key distances must stay below this (a u16, 0xffff excluded). */
const MAX_DISTANCE = 0xffff
/** A search's threshold for repairing a checkpoint when it has none: above every key. */
const NO_REPAIR = 2 ** 32

// The last decoded entry: module state instead of a result object, so decoding allocates nothing.
let decodedValue = 0
let decodedDelta = 0

/** One zone: its memory, coding and counters. */
export class DeltaZone extends DeltaMemory {
  readonly valueBits: number
  readonly minBits: number
  readonly minKeys: number
  readonly incrKeys: number
  private readonly valueMask: number
  /** Bits of a collision entry: value, an all-zero key field, the name. */
  readonly collisionBits: number

  // Search checkpoints (in the list records): the key space [0, 2^keyBits) is cut in CHECKPOINTS + 1
  // equal parts at thresholds T_j = ceil((j + 1) 2^keyBits / (CHECKPOINTS + 1)). Checkpoint j is the
  // bit offset of the list's first entry with key ≥ T_j (the list size when there is none) and the
  // distance T_j − k from the key k of the entry before it; a search for an address ≥ T_j may start
  // there, with key k. Both fit in 16 bits (a distance that does not leaves NO_CHECKPOINT), so four
  // checkpoints fit in the 32-byte list record. They are set by a walk of the list on its first
  // search once it is long, and kept exact through every change after that.
  private readonly thresholds: Float64Array

  recordCount = 0
  collisionCount = 0
  discardCount = 0
  overflowCount = 0

  constructor(zoneBytes: number, listCount: number, coding: Coding) {
    super(zoneBytes, listCount)
    this.valueBits = coding.valueBits
    this.minBits = coding.minBits
    this.minKeys = coding.minKeys
    this.incrKeys = coding.incrKeys
    this.valueMask = coding.valueBits >= 31 ? -1 : (1 << coding.valueBits) - 1
    this.collisionBits = coding.valueBits + coding.minBits + NAME_BITS
    this.thresholds = new Float64Array(CHECKPOINTS)
    for (let j = 0; j < CHECKPOINTS; j++) this.thresholds[j] = Math.ceil(((j + 1) * 2 ** coding.keyBits) / (CHECKPOINTS + 1))
  }

  /** Empties every list; the live entries count as discarded. */
  override reset(): void {
    super.reset()
    for (let d = 0; d < this.listCount + 2; d++) this.octets[d * OCTETS + CHECKPOINTS_SET_OCTET] = 0
    this.discardCount += this.recordCount
    this.recordCount = 0
    this.collisionCount = 0
  }

  /** Bits of an ordinary entry with `delta`. */
  entryBitsFor(delta: number): number {
    return this.valueBits + keyCodeBitsWith(this.minBits, this.minKeys, this.incrKeys, delta)
  }

  /**
   * Decodes the entry at bit `at` (from byte `base`) of a list ending at bit
   * `end` into decodedValue/decodedDelta; returns its bits, or -1 when it
   * runs past the end. `first`: it is the list's first entry (never a collision).
   */
  private decode(bytes: Uint8Array, base: number, at: number, end: number, first: boolean): number {
    const valueBits = this.valueBits
    let bits = valueBits + this.minBits
    if (at + bits > end) return -1
    let field: number
    if (bits <= 25) {
      const window = windowAt(this.view, base, at)
      decodedValue = window & this.valueMask
      field = (window >>> valueBits) & ((1 << this.minBits) - 1)
    } else {
      decodedValue = readWideBitsAt(bytes, base, at, valueBits)
      field = readBitsAt(bytes, base, at + valueBits, this.minBits)
    }
    if (field >= this.minKeys) {
      const zeros = countZerosAt(bytes, base, at + bits, end)
      if (zeros < 0) return -1
      field += zeros * this.incrKeys
      bits += zeros + 1
    }
    decodedDelta = field
    if (field === 0 && !first) {
      bits += NAME_BITS
      if (at + bits > end) return -1
    }
    return bits
  }

  /** Writes an entry at bit `at` from byte `base`: value, key code of `delta`, and the name of a collision. */
  private encode(bytes: Uint8Array, base: number, at: number, value: number, delta: number, name: Uint8Array | undefined): void {
    const valueBits = this.valueBits
    const minBits = this.minBits
    const fixedBits = valueBits + minBits
    const zeros = delta < this.minKeys ? -1 : keyCodeZeros(this.minKeys, this.incrKeys, delta)
    const width = zeros < 0 ? fixedBits : fixedBits + zeros + 1
    if (width <= 25) {
      // The usual case: value, key field, zeros and the terminating 1 in one 32-bit read-modify-write.
      const field = zeros < 0 ? delta : delta - zeros * this.incrKeys
      const code = value | (field << valueBits) | (zeros < 0 ? 0 : 1 << (width - 1))
      const byte = base + (at >>> 3)
      const shift = at & 7
      const mask = ((1 << width) - 1) << shift
      const view = this.view
      view.setUint32(byte, (view.getUint32(byte, true) & ~mask) | (code << shift), true)
      if (name !== undefined) writeNameAt(bytes, base, at + width, name)
      return
    }
    writeWideBitsAt(bytes, base, at, value, valueBits)
    let bit = at + valueBits
    if (zeros < 0) {
      writeBitsAt(bytes, base, bit, delta, minBits)
      bit += minBits
    } else {
      let left = zeros
      writeBitsAt(bytes, base, bit, delta - zeros * this.incrKeys, minBits)
      bit += minBits
      for (; left > 24; left -= 24, bit += 24) writeBitsAt(bytes, base, bit, 0, 24)
      // The last zeros and the terminating 1 bit.
      writeBitsAt(bytes, base, bit, 1 << left, left + 1)
      bit += left + 1
    }
    if (name !== undefined) writeNameAt(bytes, base, bit, name)
  }

  /**
   * Finds in list `list` the first entry whose key ≥ `address`; when its key
   * is `address` and `name` is given, the collision entry after it that
   * carries exactly `name`, if any (chapter-index.md §9, volume-index.md §5.1).
   * Returns OK or CORRUPT_DATA.
   */
  search(cursor: DeltaCursor, list: number, address: number, name: Uint8Array | undefined): number {
    // The hot loop of the index: one 32-bit window per entry in the usual case (value, key field and
    // the zeros of a long code in one window), everything in locals; the value is read only at the end.
    const view = this.view
    const base = this.byteStart(list)
    // Small integers (below 2^17), so the loop's positions stay int32 in optimized code.
    const phase = this.startPhase(list) | 0
    const end = (phase + this.halves[list * HALVES + SIZE_HALF]!) | 0
    const valueBits = this.valueBits
    const fixedBits = valueBits + this.minBits
    const oneWindow = fixedBits <= 25
    const fieldMask = (1 << this.minBits) - 1
    const minKeys = this.minKeys
    const incrKeys = this.incrKeys
    let at = phase
    let key = 0
    // An unset checkpoint the walk will pass (its threshold is at most the address): the walk sets it
    // when it crosses the threshold. Checkpoints set while a list was short are often unset (the key
    // before a threshold was 2^16 or more below it), and stay so until a walk repairs them.
    let repair = -1
    let repairThreshold = NO_REPAIR
    cursor.list = list
    if (end - phase >= CHECKPOINT_MIN_BITS) {
      const thresholds = this.thresholds
      if (address >= thresholds[0]!) {
        const halves = this.halves
        const record = list * HALVES
        if (this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] === 0) this.setCheckpoints(list)
        for (let j = CHECKPOINTS - 1; j >= 0; j--) {
          const threshold = thresholds[j]!
          if (threshold > address) continue
          const offset = halves[record + OFFSET_HALF + j]!
          if (offset !== NO_CHECKPOINT) {
            at = phase + offset
            key = threshold - halves[record + DISTANCE_HALF + j]!
            break
          }
          repair = j
          repairThreshold = threshold
        }
      }
    }
    while (at < end) {
      let next = at + fixedBits
      let delta: number
      let window = 0
      if (oneWindow) {
        // Branch-free in the usual case: whether the code is long is a coin toss a branch would miss.
        window = windowAt(view, base, at)
        const field = (window >>> valueBits) & fieldMask
        // -1 when the key field starts a long code (field ≥ min_keys), else 0.
        const long = (minKeys - 1 - field) >> 31
        // The window's bits past the fixed fields start the zeros (its top bits read as 0).
        const rest = window >>> fixedBits
        let zeros = 31 - Math.clz32(rest & -rest)
        if ((rest | ~long) === 0) {
          // A long code whose zeros run past the window.
          zeros = countZerosAt(this.bytes, base, next, end)
          if (zeros < 0) return CORRUPT_DATA
        }
        delta = field + ((zeros * incrKeys) & long)
        next += (zeros + 1) & long
      } else {
        delta = windowAt(view, base, at + valueBits) & fieldMask
        if (delta >= minKeys) {
          const rest = windowAt(view, base, next)
          const zeros = rest !== 0 ? 31 - Math.clz32(rest & -rest) : countZerosAt(this.bytes, base, next, end)
          if (zeros < 0) return CORRUPT_DATA
          delta += zeros * incrKeys
          next += zeros + 1
        }
      }
      if (delta === 0 && at !== phase) next += NAME_BITS
      if (next > end) return CORRUPT_DATA
      if (key + delta >= repairThreshold && repair >= 0) {
        // The first entry at or above the unset checkpoint's threshold: set it here.
        this.setCheckpoint(list * HALVES, repair, at - phase, repairThreshold - key)
        repairThreshold = NO_REPAIR
      }
      key += delta
      if (key >= address) {
        cursor.offset = at - phase
        cursor.key = key
        cursor.delta = delta
        cursor.entryBits = next - at
        cursor.value = oneWindow ? window & this.valueMask : readWideBitsAt(this.bytes, base, at, valueBits)
        cursor.atEnd = false
        cursor.collision = false
        return key === address && name !== undefined ? this.searchCollisions(cursor, base, phase, end, name) : OK
      }
      at = next
    }
    // No entry reaches the unset checkpoint's threshold: it is the end of the list.
    if (repairThreshold !== NO_REPAIR) this.setCheckpoint(list * HALVES, repair, at - phase, repairThreshold - key)
    cursor.offset = at - phase
    cursor.key = key
    cursor.delta = 0
    cursor.entryBits = 0
    cursor.value = 0
    cursor.atEnd = true
    cursor.collision = false
    return OK
  }

  // Walks list `list` and sets its checkpoints (see above).
  private setCheckpoints(list: number): void {
    const halves = this.halves
    const record = list * HALVES
    const base = this.byteStart(list)
    const phase = this.startPhase(list)
    const size = halves[record + SIZE_HALF]!
    const thresholds = this.thresholds
    let j = 0
    let key = 0
    let offset = 0
    for (; offset < size && j < CHECKPOINTS;) {
      const bits = this.decode(this.bytes, base, phase + offset, phase + size, offset === 0)
      if (bits < 0) {
        // A list that does not decode keeps no checkpoints; the search reports it.
        halves.fill(NO_CHECKPOINT, record + OFFSET_HALF, record + OFFSET_HALF + CHECKPOINTS)
        this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] = 1
        return
      }
      const entryKey = key + decodedDelta
      for (; j < CHECKPOINTS && entryKey >= thresholds[j]!; j++) this.setCheckpoint(record, j, offset, thresholds[j]! - key)
      key = entryKey
      offset += bits
    }
    // Thresholds above the last key: the checkpoint is the end of the list.
    for (; j < CHECKPOINTS; j++) this.setCheckpoint(record, j, size, thresholds[j]! - key)
    this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] = 1
  }

  private setCheckpoint(record: number, j: number, offset: number, distance: number): void {
    this.halves[record + OFFSET_HALF + j] = distance < MAX_DISTANCE ? offset : NO_CHECKPOINT
    this.halves[record + DISTANCE_HALF + j] = distance
  }

  // An entry of `bits` with key `key` went in at bit `offset` of list `list`, which grew by `growth` bits.
  private checkpointsAfterInsert(list: number, offset: number, bits: number, growth: number, key: number): void {
    const halves = this.halves
    const record = list * HALVES
    if (this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] === 0) return
    for (let j = 0; j < CHECKPOINTS; j++) {
      const at = halves[record + OFFSET_HALF + j]!
      if (at === NO_CHECKPOINT || at < offset) continue
      if (at > offset) {
        halves[record + OFFSET_HALF + j] = at + growth
      } else {
        // The entry at the checkpoint was the insertion point: the new entry is the first above the
        // threshold (nothing changes), or comes before it and is the key before it.
        const threshold = this.thresholds[j]!
        if (key < threshold) this.setCheckpoint(record, j, offset + bits, threshold - key)
      }
    }
  }

  // A collision entry of `bits` went in at bit `offset` of list `list`: checkpoints from there on move.
  private checkpointsAfterCollision(list: number, offset: number, bits: number): void {
    const halves = this.halves
    const record = list * HALVES
    if (this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] === 0) return
    for (let j = record + OFFSET_HALF; j < record + OFFSET_HALF + CHECKPOINTS; j++) {
      const at = halves[j]!
      if (at !== NO_CHECKPOINT && at >= offset) halves[j] = at + bits
    }
  }

  // The entry of `bits` with `delta` at bit `offset` of list `list` was removed, and the list shrank by
  // `removed` bits (more than `bits` when the next entry's code got shorter). The entry that followed
  // it is now at `offset`: a checkpoint on it has the removed entry's key before it no more.
  private checkpointsAfterRemove(list: number, offset: number, bits: number, delta: number, removed: number): void {
    const halves = this.halves
    const record = list * HALVES
    if (this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] === 0) return
    for (let j = 0; j < CHECKPOINTS; j++) {
      const at = halves[record + OFFSET_HALF + j]!
      if (at === NO_CHECKPOINT || at < offset + bits) continue
      if (at > offset + bits) {
        halves[record + OFFSET_HALF + j] = at - removed
        continue
      }
      const distance = halves[record + DISTANCE_HALF + j]! + delta
      // A distance past 16 bits: set the checkpoints again on the next search.
      if (distance >= MAX_DISTANCE) this.octets[list * OCTETS + CHECKPOINTS_SET_OCTET] = 0
      this.setCheckpoint(record, j, offset, distance)
    }
  }

  // The collision entries follow the ordinary entry at the cursor; move to the one carrying `name`.
  private searchCollisions(cursor: DeltaCursor, base: number, phase: number, end: number, name: Uint8Array): number {
    const bytes = this.bytes
    let at = phase + cursor.offset + cursor.entryBits
    while (at < end) {
      const bits = this.decode(bytes, base, at, end, false)
      if (bits < 0) return CORRUPT_DATA
      if (decodedDelta !== 0) return OK
      if (nameEqualsAt(bytes, base, at + bits - NAME_BITS, name)) {
        cursor.offset = at - phase
        cursor.delta = 0
        cursor.entryBits = bits
        cursor.value = decodedValue
        cursor.collision = true
        return OK
      }
      at += bits
    }
    return OK
  }

  /**
   * Inserts an ordinary entry for `key` with `value` at the cursor (which a
   * search for `key` left at the first larger key, or at the end), then
   * points the cursor at it. Returns OK or OVERFLOW (nothing changed).
   */
  insertEntry(cursor: DeltaCursor, key: number, value: number): number {
    const list = cursor.list
    const offset = cursor.offset
    if (cursor.atEnd) {
      const delta = key - cursor.key
      const bits = this.entryBitsFor(delta)
      const status = this.insertBits(list, offset, bits)
      if (status !== OK) return this.overflow()
      this.checkpointsAfterInsert(list, offset, bits, bits, key)
      this.encodeAt(list, offset, value, delta, undefined)
      cursor.delta = delta
      cursor.entryBits = bits
    } else {
      const previous = cursor.key - cursor.delta
      const delta = key - previous
      const bits = this.entryBitsFor(delta)
      const nextDelta = cursor.key - key
      const nextBits = this.entryBitsFor(nextDelta)
      const growth = bits + nextBits - cursor.entryBits
      const status = this.insertBits(list, offset, growth)
      if (status !== OK) return this.overflow()
      this.checkpointsAfterInsert(list, offset, bits, growth, key)
      this.encodeAt(list, offset, value, delta, undefined)
      this.encodeAt(list, offset + bits, cursor.value, nextDelta, undefined)
      cursor.delta = delta
      cursor.entryBits = bits
    }
    cursor.key = key
    cursor.value = value
    cursor.atEnd = false
    cursor.collision = false
    this.recordCount++
    return OK
  }

  /**
   * Inserts a collision entry carrying `name` with `value` right after the
   * ordinary entry at the cursor, then points the cursor at it.
   */
  insertCollision(cursor: DeltaCursor, value: number, name: Uint8Array): number {
    const offset = cursor.offset + cursor.entryBits
    const bits = this.collisionBits
    if (this.insertBits(cursor.list, offset, bits) !== OK) return this.overflow()
    this.checkpointsAfterCollision(cursor.list, offset, bits)
    this.encodeAt(cursor.list, offset, value, 0, name)
    cursor.offset = offset
    cursor.delta = 0
    cursor.entryBits = bits
    cursor.value = value
    cursor.collision = true
    this.recordCount++
    this.collisionCount++
    return OK
  }

  // An insert failed: count it when the list (not the memory) was full.
  private overflow(): number {
    if (this.listOverflow) this.overflowCount++
    return OVERFLOW
  }

  private encodeAt(list: number, offset: number, value: number, delta: number, name: Uint8Array | undefined): void {
    this.encode(this.bytes, this.byteStart(list), this.startPhase(list) + offset, value, delta, name)
  }

  /** Overwrites the value of the entry at the cursor. */
  setValue(cursor: DeltaCursor, value: number): void {
    writeWideBitsAt(this.bytes, this.byteStart(cursor.list), this.startPhase(cursor.list) + cursor.offset, value, this.valueBits)
    cursor.value = value
  }

  /**
   * Removes the entry at the cursor (volume-index.md §5.5): the next entry
   * takes over its delta, and a collision entry that follows an ordinary
   * one becomes the ordinary entry. Returns OK or CORRUPT_DATA.
   */
  removeEntry(cursor: DeltaCursor): number {
    const status = this.removeAt(cursor.list, cursor.offset, cursor.entryBits, cursor.delta, cursor.collision)
    if (status === OK) cursor.atEnd = cursor.offset >= this.size(cursor.list)
    return status
  }

  private removeAt(list: number, offset: number, bits: number, delta: number, collision: boolean): number {
    const size = this.size(list)
    if (collision || offset + bits >= size) {
      this.deleteBits(list, offset, bits)
      this.checkpointsAfterRemove(list, offset, bits, delta, bits)
      if (collision) this.collisionCount--
    } else {
      const base = this.byteStart(list)
      const phase = this.startPhase(list)
      const nextBits = this.decode(this.bytes, base, phase + offset + bits, phase + size, false)
      if (nextBits < 0) return CORRUPT_DATA
      const nextValue = decodedValue
      const nextDelta = decodedDelta
      if (nextDelta === 0) this.collisionCount--
      const merged = delta + nextDelta
      const mergedBits = this.entryBitsFor(merged)
      const removed = bits + nextBits - mergedBits
      this.deleteBits(list, offset, removed)
      this.encodeAt(list, offset, nextValue, merged, undefined)
      this.checkpointsAfterRemove(list, offset, bits, delta, removed)
    }
    this.recordCount--
    this.discardCount++
    return OK
  }

  /**
   * Calls `visit` with the value of every entry of list `list`, changing
   * nothing; returns the number of entries, or -1 when the list does not decode.
   */
  forEachValue(list: number, visit: (value: number) => void): number {
    const listStart = this.start(list)
    const base = Math.floor(listStart / 8)
    const phase = listStart - base * 8
    const end = phase + this.size(list)
    let entries = 0
    for (let at = phase; at < end; entries++) {
      const bits = this.decode(this.bytes, base, at, end, at === phase)
      if (bits < 0) return -1
      visit(decodedValue)
      at += bits
    }
    return entries
  }

  /**
   * Removes every entry of list `list` whose value v has
   * ((v − start) mod 2^valueBits) < count (volume-index.md §5.2) and returns
   * the smallest such distance among the entries left (2^valueBits − 1 when
   * none is left), or -1 when the list does not decode.
   */
  flushList(list: number, start: number, count: number): number {
    const modulus = 2 ** this.valueBits
    let smallest = modulus - 1
    let offset = 0
    while (offset < this.size(list)) {
      const listStart = this.start(list)
      const base = Math.floor(listStart / 8)
      const phase = listStart - base * 8
      const bits = this.decode(this.bytes, base, phase + offset, phase + this.size(list), offset === 0)
      if (bits < 0) return -1
      let distance = decodedValue - start
      if (distance < 0) distance += modulus
      if (distance < count) {
        if (this.removeAt(list, offset, bits, decodedDelta, decodedDelta === 0 && offset > 0) !== OK) return -1
      } else {
        if (distance < smallest) smallest = distance
        offset += bits
      }
    }
    return smallest
  }
}
