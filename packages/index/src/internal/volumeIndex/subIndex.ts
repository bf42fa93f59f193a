/**
 * One sub-index of the volume index (volume-index.md §2.2–§5): its delta
 * lists split into zones, the flush chapter of each list, and each zone's
 * chapter window. Chapters are JS numbers (exact below 2^53); the value
 * field holds a chapter mod 2^chapterBits.
 *
 * @internal
 */
import { DeltaCursor, DeltaZone } from "../delta/deltaZone.js"
import { BAD_STATE, CORRUPT_DATA, DUPLICATE_NAME, INVALID_ARGUMENT, OK } from "../delta/status.js"
import { nameAddress, nameList } from "./names.js"
import type { VolumeIndexRecord } from "./record.js"
import type { SubIndexSizing } from "./sizing.js"

/** The lookup-only answer for "no chapter". */
export const NO_CHAPTER = -1

const scratchCursor = new DeltaCursor()

/** A sub-index: zones of delta lists, flush chapters, chapter windows. */
export class SubIndex {
  readonly zones: ReadonlyArray<DeltaZone>
  /** Per zone: the chapter window [low, high] and the early expiries. */
  readonly low: Float64Array
  readonly high: Float64Array
  readonly earlyFlushes: Float64Array
  private readonly addressMask: number
  /** 2^chapterBits. */
  readonly modulus: number

  constructor(readonly sizing: SubIndexSizing) {
    const { addressBits, chapterBits, incrKeys, listCount, listsPerZone, minBits, minKeys, zoneBytes, zoneCount } = sizing
    const coding = { valueBits: chapterBits, minBits, minKeys, incrKeys, keyBits: addressBits }
    const zones: Array<DeltaZone> = []
    for (let z = 0; z < zoneCount; z++) {
      zones.push(new DeltaZone(zoneBytes, Math.min(listsPerZone, listCount - z * listsPerZone), coding))
    }
    this.zones = zones
    this.low = new Float64Array(zoneCount)
    this.high = new Float64Array(zoneCount)
    this.earlyFlushes = new Float64Array(zoneCount)
    this.addressMask = sizing.addressBits >= 31 ? 0x7fffffff : (1 << sizing.addressBits) - 1
    this.modulus = 2 ** chapterBits
  }

  /** Bytes of the typed arrays this sub-index holds. */
  get memoryBytes(): number {
    let bytes = this.low.byteLength + this.high.byteLength + this.earlyFlushes.byteLength
    for (const zone of this.zones) bytes += zone.memoryBytes
    return bytes
  }

  /** The flush chapter F of list `list` (§4.3), kept in its zone's list record. */
  flushChapter(list: number): number {
    const zone = this.zoneOfList(list)
    return this.zones[zone]!.flushChapter(list - zone * this.sizing.listsPerZone + 1)
  }

  setFlushChapter(list: number, chapter: number): void {
    const zone = this.zoneOfList(list)
    this.zones[zone]!.setFlushChapter(list - zone * this.sizing.listsPerZone + 1, chapter)
  }

  /** The list of `name` in this sub-index. */
  listOf(name: Uint8Array): number {
    return nameList(name, this.sizing.addressBits, this.sizing.listCount)
  }

  /** The zone that owns list `list`. */
  zoneOfList(list: number): number {
    return Math.floor(list / this.sizing.listsPerZone)
  }

  /** The VCN a stored value stands for in zone `zone`: low + ((value − low) mod 2^B) (§4.2). */
  private toVirtual(zone: number, value: number): number {
    const low = this.low[zone]!
    // value and low mod 2^B are both in [0, 2^B), so one correction replaces the second modulo; a low
    // below 2^31 takes its low bits with a mask (a double's % is a slow call).
    let rolling = value - (low <= 0x7fffffff ? low & (this.modulus - 1) : low % this.modulus)
    if (rolling < 0) rolling += this.modulus
    return low + rolling
  }

  /** Looks `name` up (§5.2), flushing its list first when it may hold expired entries. */
  get(record: VolumeIndexRecord, name: Uint8Array): number {
    const list = this.listOf(name)
    const zone = this.zoneOfList(list)
    const deltaZone = this.zones[zone]!
    const descriptor = list - zone * this.sizing.listsPerZone + 1
    const address = nameAddress(name, this.addressMask)
    record.sub = this
    record.deltaZone = deltaZone
    record.zone = zone
    record.globalList = list
    record.address = address
    record.name = name
    record.found = false
    const low = this.low[zone]!
    const flushChapter = deltaZone.flushChapter(descriptor)
    if (flushChapter < low && this.flush(deltaZone, descriptor, zone, flushChapter, low) !== OK) {
      record.problem = `volume index list ${list} does not decode`
      return CORRUPT_DATA
    }
    if (deltaZone.search(record, descriptor, address, name) !== OK) {
      record.problem = `volume index list ${list} does not decode: an entry runs past the end of the list`
      return CORRUPT_DATA
    }
    record.found = !record.atEnd && record.key === address
    if (record.found) record.virtualChapter = this.toVirtual(zone, record.value)
    return OK
  }

  /**
   * Walks every entry without changing anything (for verification): counts
   * the entries, those expired but not yet flushed (§4.3, chapter below low),
   * and those whose chapter lies above the zone's high, which no valid index
   * holds. Returns the first list that does not decode, if any.
   */
  checkEntries(): { entries: number; expired: number; aboveHigh: number; undecodable: number | undefined } {
    const modulus = this.modulus
    let entries = 0
    let expired = 0
    let aboveHigh = 0
    let undecodable: number | undefined
    for (let list = 0; list < this.sizing.listCount; list++) {
      const zone = this.zoneOfList(list)
      const low = this.low[zone]!
      const high = this.high[zone]!
      const flushChapter = this.flushChapter(list)
      const start = flushChapter % modulus
      const count = flushChapter < low ? Math.min(low - flushChapter, modulus) : 0
      const counted = this.zones[zone]!.forEachValue(list - zone * this.sizing.listsPerZone + 1, (value) => {
        let distance = (value - start) % modulus
        if (distance < 0) distance += modulus
        if (distance < count) expired++
        else if (this.toVirtual(zone, value) > high) aboveHigh++
      })
      if (counted < 0) undecodable ??= list
      else entries += counted
    }
    return { entries, expired, aboveHigh, undecodable }
  }

  // Removes the list's entries of chapters below low and sets its new flush chapter (§5.2 step 3).
  private flush(deltaZone: DeltaZone, descriptor: number, zone: number, flushChapter: number, low: number): number {
    const modulus = this.modulus
    const start = flushChapter % modulus
    const count = Math.min(low - flushChapter, modulus)
    const smallest = deltaZone.flushList(descriptor, start, count)
    if (smallest < 0) return CORRUPT_DATA
    const oldest = (start + smallest) % modulus
    let rolling = (oldest - (low % modulus)) % modulus
    if (rolling < 0) rolling += modulus
    const high = this.high[zone]!
    deltaZone.setFlushChapter(descriptor, Math.min(low + rolling, high))
    return OK
  }

  private checkWindow(record: VolumeIndexRecord, chapter: number, what: string): boolean {
    const low = this.low[record.zone]!
    const high = this.high[record.zone]!
    if (Number.isSafeInteger(chapter) && chapter >= low && chapter <= high) return true
    record.problem = `cannot ${what} chapter ${String(chapter)}: it must be in the valid range ${low} to ${high}`
    return false
  }

  /** Puts the record's name with `chapter` (§5.3). */
  put(record: VolumeIndexRecord, chapter: number): number {
    if (!this.checkWindow(record, chapter, "put a record into")) return INVALID_ARGUMENT
    const deltaZone = record.deltaZone!
    const value = chapter % this.modulus
    let status: number
    if (record.found) {
      if (record.collision) {
        record.problem = "the name is already in the volume index as a collision entry"
        return DUPLICATE_NAME
      }
      status = deltaZone.insertCollision(record, value, record.name!)
    } else {
      status = deltaZone.insertEntry(record, record.address, value)
    }
    if (status !== OK) {
      record.problem = `volume index list ${record.globalList} cannot take the entry (overflow)`
      return status
    }
    record.found = true
    record.virtualChapter = chapter
    return OK
  }

  /** Moves the found record to `chapter` (§5.4). */
  setChapter(record: VolumeIndexRecord, chapter: number): number {
    if (!record.found) {
      record.problem = "illegal operation on new record: the name was not found"
      return BAD_STATE
    }
    if (!this.checkWindow(record, chapter, "set the chapter to")) return INVALID_ARGUMENT
    record.deltaZone!.setValue(record, chapter % this.modulus)
    record.virtualChapter = chapter
    return OK
  }

  /** Removes the found record's entry (§5.5). */
  remove(record: VolumeIndexRecord): number {
    if (!record.found) {
      record.problem = "illegal operation on new record: the name was not found"
      return BAD_STATE
    }
    record.found = false
    if (record.deltaZone!.removeEntry(record) !== OK) {
      record.problem = `volume index list ${record.globalList} does not decode`
      return CORRUPT_DATA
    }
    return OK
  }

  /** The chapter of `name` without flushing or changing anything, or NO_CHAPTER (§5.7). */
  lookup(name: Uint8Array): number {
    const list = this.listOf(name)
    const zone = this.zoneOfList(list)
    const address = nameAddress(name, this.addressMask)
    const cursor = scratchCursor
    const status = this.zones[zone]!.search(cursor, list - zone * this.sizing.listsPerZone + 1, address, name)
    if (status !== OK || cursor.atEnd || cursor.key !== address) return NO_CHAPTER
    const chapter = this.toVirtual(zone, cursor.value)
    return chapter > this.high[zone]! ? NO_CHAPTER : chapter
  }

  /** Opens chapter `chapter` in zone `zone`: the window moves, with early expiry when the zone is too full (§5.6). */
  setZoneOpenChapter(zone: number, chapter: number): void {
    const { chapterCount, chapterZoneBits, maxZoneBits } = this.sizing
    let low = chapter >= chapterCount ? chapter - chapterCount + 1 : 0
    const used = this.zones[zone]!.usedBits
    if (used > maxZoneBits) {
      const expire = 1 + Math.floor((used - maxZoneBits) / chapterZoneBits)
      if (expire === 1) {
        low += 1
        this.earlyFlushes[zone]! += 1
      } else if (low + expire < chapter) {
        low += expire
        this.earlyFlushes[zone]! += expire
      } else {
        this.earlyFlushes[zone]! += chapter - low
        low = chapter
      }
    }
    this.low[zone] = low
    this.high[zone] = chapter
  }
}
