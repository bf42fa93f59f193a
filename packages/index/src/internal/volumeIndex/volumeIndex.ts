/**
 * The volume index itself (volume-index.md): one sub-index for a dense
 * geometry, a non-hook and a hook one for a sparse one; each name goes to
 * one of them (§2.2, §3). Pure and synchronous.
 *
 * @internal
 */
import { INVALID_ARGUMENT } from "../delta/status.js"
import { isHook } from "./names.js"
import type { VolumeIndexRecord } from "./record.js"
import type { VolumeIndexSizing } from "./sizing.js"
import { NO_CHAPTER, SubIndex } from "./subIndex.js"

/** Bytes in a record name. */
export const NAME_BYTES = 16

/** The volume index's counters, summed over its zones and sub-indexes (§5.8). */
export interface VolumeIndexStats {
  readonly entries: number
  readonly collisions: number
  readonly discarded: number
  readonly overflows: number
  readonly earlyFlushes: number
  readonly rebalances: number
  /** Bytes of the typed arrays holding the index. */
  readonly memoryUsed: number
  /** Bits used by the lists' entries. */
  readonly usedBits: number
}

/** A volume index. */
export class VolumeIndexState {
  readonly main: SubIndex
  readonly hook: SubIndex | undefined

  constructor(readonly sizing: VolumeIndexSizing) {
    this.main = new SubIndex(sizing.main)
    this.hook = sizing.hook === undefined ? undefined : new SubIndex(sizing.hook)
  }

  /** The sub-index `name` belongs to. */
  subIndexOf(name: Uint8Array): SubIndex {
    return this.hook !== undefined && isHook(name, this.sizing.sampleRate) ? this.hook : this.main
  }

  get subIndexes(): ReadonlyArray<SubIndex> {
    return this.hook === undefined ? [this.main] : [this.main, this.hook]
  }
}

const badName = (record: VolumeIndexRecord, name: Uint8Array): number => {
  record.problem = `a record name is ${NAME_BYTES} bytes, got ${name.length}`
  record.found = false
  return INVALID_ARGUMENT
}

/** Looks `name` up into `record`. */
export const get = (index: VolumeIndexState, name: Uint8Array, record: VolumeIndexRecord): number =>
  name.length !== NAME_BYTES ? badName(record, name) : index.subIndexOf(name).get(record, name)

// Whether the record's last get was on this index.
const owns = (index: VolumeIndexState, record: VolumeIndexRecord): boolean =>
  record.sub !== undefined && (record.sub === index.main || record.sub === index.hook)

const unusedRecord = (record: VolumeIndexRecord): number => {
  record.problem = "the record handle was not filled by a get on this volume index"
  return INVALID_ARGUMENT
}

/** Puts the name of the record's last get with `chapter`. */
export const put = (index: VolumeIndexState, record: VolumeIndexRecord, chapter: number): number =>
  !owns(index, record) ? unusedRecord(record) : record.sub!.put(record, chapter)

/** Moves the record's entry to `chapter`. */
export const setChapter = (index: VolumeIndexState, record: VolumeIndexRecord, chapter: number): number =>
  !owns(index, record) ? unusedRecord(record) : record.sub!.setChapter(record, chapter)

/** Removes the record's entry. */
export const remove = (index: VolumeIndexState, record: VolumeIndexRecord): number =>
  !owns(index, record) ? unusedRecord(record) : record.sub!.remove(record)

/** The hook sub-index's chapter for `name`, without changing anything; NO_CHAPTER for a non-hook. */
export const lookupSample = (index: VolumeIndexState, name: Uint8Array): number =>
  name.length !== NAME_BYTES || index.hook === undefined || !isHook(name, index.sizing.sampleRate)
    ? NO_CHAPTER
    : index.hook.lookup(name)

/** Opens `chapter` in zone `zone` of every sub-index. */
export const setZoneOpenChapter = (index: VolumeIndexState, zone: number, chapter: number): void => {
  index.main.setZoneOpenChapter(zone, chapter)
  index.hook?.setZoneOpenChapter(zone, chapter)
}

/** The zone that handles `name` (§3 step 5). */
export const zoneOf = (index: VolumeIndexState, name: Uint8Array): number => {
  const sub = index.subIndexOf(name)
  return sub.zoneOfList(sub.listOf(name))
}

/** The counters and memory of the index. */
export const stats = (index: VolumeIndexState): VolumeIndexStats => {
  let entries = 0
  let collisions = 0
  let discarded = 0
  let overflows = 0
  let earlyFlushes = 0
  let rebalances = 0
  let memoryUsed = 0
  let usedBits = 0
  for (const sub of index.subIndexes) {
    memoryUsed += sub.memoryBytes
    for (let z = 0; z < sub.zones.length; z++) {
      const zone = sub.zones[z]!
      entries += zone.recordCount
      collisions += zone.collisionCount
      discarded += zone.discardCount
      overflows += zone.overflowCount
      rebalances += zone.rebalances
      usedBits += zone.usedBits
      earlyFlushes += sub.earlyFlushes[z]!
    }
  }
  return { entries, collisions, discarded, overflows, earlyFlushes, rebalances, memoryUsed, usedBits }
}
