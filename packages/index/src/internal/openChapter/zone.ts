/**
 * One zone's open chapter (open-chapter.md §2–§5): the newest records of the
 * zone, not yet on disk, in a hash table keyed by name.
 *
 * Records are numbered 1, 2, 3, … in arrival order (0 means "empty slot");
 * a name put again while live overwrites its record in place, keeping its
 * number and so its place in the future chapter. A removed record stays as
 * a tombstone until `reset`: probing walks past it and it is never reused,
 * so put → remove → put of one name makes a second, higher-numbered record.
 *
 * The same shape serves as the zone's writing chapter (the previous one,
 * kept in memory while the chapter writer puts it on disk).
 *
 * Every method is synchronous and allocation-free. Names and data are 16
 * bytes; the request path checks that before it gets here.
 *
 * @internal
 */
import { Geometry } from "@effect-uds/volume"

/** Bytes of one record: 16 of name, 16 of data. */
export const RECORD_BYTES = 32
/** Bytes of a name (and of its data). */
export const NAME_BYTES = 16
/** Record numbers are 23-bit in the reference, so a zone holds fewer than 2^23 records. */
export const MAX_CAPACITY = 2 ** 23 - 1

/** Records one zone's open chapter holds: records_per_chapter / zone_count, truncated. */
export const zoneCapacity = (recordsPerChapter: number, zoneCount: number): number =>
  Math.floor(recordsPerChapter / zoneCount)

/**
 * Hash slots of a zone: 2^bits_per(2 × capacity), the smallest power of two
 * above twice the capacity, so the table is never more than half full.
 */
export const slotCountFor = (capacity: number): number => 2 ** Geometry.bitsPer(2 * capacity)

/**
 * The home slot of the name at `offset` of `bytes` (§3): name bytes 8..13 as a
 * big-endian 48-bit number, mod the (power of two) slot count. Slot counts
 * stay below 2^32, so only the low 32 bits (bytes 10..13) matter.
 */
export const homeSlot = (bytes: Uint8Array, offset: number, slotCount: number): number => {
  const low = ((bytes[offset + 10]! << 24) | (bytes[offset + 11]! << 16) | (bytes[offset + 12]! << 8) |
    bytes[offset + 13]!) >>> 0
  return (low & (slotCount - 1)) >>> 0
}

/** One zone's open (or writing) chapter. */
export class OpenChapterZone {
  /** Records this zone can take before its chapter must close. */
  readonly capacity: number
  /** Hash slots (a power of two). */
  readonly slotCount: number
  /**
   * The records, 1-based: record r's name is at r × 32, its data at r × 32 + 16.
   * Record 0 is never used. Read-only to callers (collation, save).
   */
  readonly records: Uint8Array
  /** Per hash slot: the record number there, 0 when empty. */
  private readonly slots: Uint32Array
  /** Per record number (not per slot): 1 when the record is deleted. */
  private readonly deleted: Uint8Array
  private count = 0
  private deletedCount = 0

  /** An empty zone of `capacity` records (1 .. MAX_CAPACITY; the index checks its geometry). */
  constructor(capacity: number) {
    this.capacity = capacity
    this.slotCount = slotCountFor(capacity)
    this.records = new Uint8Array((capacity + 1) * RECORD_BYTES)
    this.slots = new Uint32Array(this.slotCount)
    this.deleted = new Uint8Array(capacity + 1)
  }

  /** Record numbers handed out so far (live and deleted): records 1 .. size are in use. */
  get size(): number {
    return this.count
  }

  /** Records marked deleted. */
  get deletions(): number {
    return this.deletedCount
  }

  /** Live records: size − deletions. */
  get liveCount(): number {
    return this.count - this.deletedCount
  }

  /** Whether every record number is handed out (size = capacity): the chapter must close. */
  get isFull(): boolean {
    return this.count >= this.capacity
  }

  /** Whether record `r` exists and is not deleted. */
  isLive(r: number): boolean {
    return r >= 1 && r <= this.count && this.deleted[r] === 0
  }

  /** The record number in hash slot `slot` (0 = empty); for tests and diagnostics. */
  recordAt(slot: number): number {
    return this.slots[slot] ?? 0
  }

  /**
   * The slot of the live record named by bytes `offset` .. `offset` + 15 of
   * `name`, or else the empty slot where it would go (§4): from the home slot
   * h the positions tried are h, h + 1, h + 3, h + 6, … (triangular steps,
   * which visit every slot of a power-of-two table). Deleted records are
   * walked past like any other name.
   */
  probe(name: Uint8Array, offset = 0): number {
    const mask = this.slotCount - 1
    const records = this.records
    let slot = homeSlot(name, offset, this.slotCount)
    for (let step = 1; ; step++) {
      const r = this.slots[slot]!
      if (r === 0) return slot
      if (this.deleted[r] === 0 && sameName(records, r * RECORD_BYTES, name, offset)) return slot
      slot = (slot + step) & mask
    }
  }

  /**
   * Looks `name` up; when a live record has it, copies its 16 data bytes to
   * `out` at `outOffset` and returns true. Otherwise returns false and leaves
   * `out` untouched.
   */
  search(name: Uint8Array, out: Uint8Array, outOffset = 0): boolean {
    const r = this.slots[this.probe(name)]!
    if (r === 0) return false
    const at = r * RECORD_BYTES + NAME_BYTES
    for (let i = 0; i < NAME_BYTES; i++) out[outOffset + i] = this.records[at + i]!
    return true
  }

  /**
   * Stores `name` with `data` (§5): a live record of that name is overwritten
   * in place, otherwise the name gets the next record number. Returns the
   * records still free, capacity − size: 0 means the chapter is full and must
   * close now. A full zone takes nothing and returns 0.
   */
  put(name: Uint8Array, data: Uint8Array): number {
    return this.store(name, 0, data, 0)
  }

  /** `put` of the packed 32-byte record (name, then data) at `offset` of `source`. */
  putRecord(source: Uint8Array, offset: number): number {
    return this.store(source, offset, source, offset + NAME_BYTES)
  }

  /**
   * Marks the live record of `name` deleted; returns whether there was one.
   * Its record number and slot stay taken until `reset`.
   */
  remove(name: Uint8Array): boolean {
    const r = this.slots[this.probe(name)]!
    if (r === 0) return false
    this.deleted[r] = 1
    this.deletedCount++
    return true
  }

  /** Empties the zone for the next chapter: no records, no slots, no deleted marks. */
  reset(): void {
    this.records.fill(0, 0, (this.count + 1) * RECORD_BYTES)
    this.deleted.fill(0, 0, this.count + 1)
    this.slots.fill(0)
    this.count = 0
    this.deletedCount = 0
  }

  private store(name: Uint8Array, nameOffset: number, data: Uint8Array, dataOffset: number): number {
    if (this.count >= this.capacity) return 0
    const slot = this.probe(name, nameOffset)
    let r = this.slots[slot]!
    if (r === 0) {
      r = ++this.count
      this.slots[slot] = r
    }
    const at = r * RECORD_BYTES
    const records = this.records
    for (let i = 0; i < NAME_BYTES; i++) {
      records[at + i] = name[nameOffset + i]!
      records[at + NAME_BYTES + i] = data[dataOffset + i]!
    }
    return this.capacity - this.count
  }
}

const sameName = (records: Uint8Array, at: number, name: Uint8Array, offset: number): boolean => {
  for (let i = 0; i < NAME_BYTES; i++) if (records[at + i] !== name[offset + i]) return false
  return true
}

/** The `zoneCount` empty zones of a chapter of `recordsPerChapter` records. */
export const makeZones = (recordsPerChapter: number, zoneCount: number): Array<OpenChapterZone> => {
  const capacity = zoneCapacity(recordsPerChapter, zoneCount)
  return Array.from({ length: zoneCount }, () => new OpenChapterZone(capacity))
}
