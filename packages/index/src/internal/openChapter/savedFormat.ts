/**
 * The saved open chapter, ALBOC 02.00 (open-chapter.md §8, layout.md §5.4):
 * the stream at the start of a save slot's OPEN_CHAPTER region.
 *
 *   0  5       magic "ALBOC"
 *   5  5       version "02.00" (the only one)
 *   10 4       R, u32 LE
 *   14 32 × R  records: 16 bytes name, 16 bytes data
 *
 * The records are the live records of all zones' open chapters, round-robin
 * by record number across zones (deleted and missing ones skipped). A load
 * re-zones them by the *current* zone count and stops filling a zone one
 * record short of its capacity, so no chapter can close during the load.
 *
 * @internal
 */
import { CorruptData } from "../../IndexError.js"
import { makeZones, NAME_BYTES, type OpenChapterZone, RECORD_BYTES } from "./zone.js"

/** ASCII "ALBOC". */
export const MAGIC = Uint8Array.of(0x41, 0x4c, 0x42, 0x4f, 0x43)
/** ASCII "02.00". */
export const VERSION = Uint8Array.of(0x30, 0x32, 0x2e, 0x30, 0x30)
/** Bytes before the records: magic, version, R. */
export const HEADER_BYTES = 14
/** The device block the writer flushes whole; also what §8.3's discard zeroes. */
export const BLOCK_BYTES = 4096

/** Bytes of the stream for `recordCount` records. */
export const streamBytes = (recordCount: number): number => HEADER_BYTES + RECORD_BYTES * recordCount

/** Blocks of the OPEN_CHAPTER region: room for a whole chapter's records (index-tiny: 257). */
export const regionBlocks = (recordsPerChapter: number): number =>
  Math.ceil(streamBytes(recordsPerChapter) / BLOCK_BYTES)

/**
 * The saved form of `zones`' open chapters, as the writer puts it on the
 * device: the stream, then zeros to the end of its last 4096-byte block.
 * Bytes of the region past that are not written (a fresh region is zero).
 */
export const save = (zones: ReadonlyArray<OpenChapterZone>): Uint8Array => {
  let recordCount = 0
  for (const zone of zones) recordCount += zone.liveCount
  const length = streamBytes(recordCount)
  const out = new Uint8Array(Math.ceil(length / BLOCK_BYTES) * BLOCK_BYTES)
  out.set(MAGIC, 0)
  out.set(VERSION, 5)
  new DataView(out.buffer).setUint32(10, recordCount, true)
  let at = HEADER_BYTES
  for (let r = 1; at < length; r++) {
    for (const zone of zones) {
      if (!zone.isLive(r)) continue
      out.set(zone.records.subarray(r * RECORD_BYTES, (r + 1) * RECORD_BYTES), at)
      at += RECORD_BYTES
    }
  }
  return out
}

/** What a load did with the saved records. */
export interface LoadSummary {
  /** R, the records in the stream. */
  readonly records: number
  /** Records now in a zone. */
  readonly loaded: number
  /** Records dropped because their zone was already one short of full (a different zone count). */
  readonly dropped: number
  /**
   * Records whose name was already loaded into their zone, overwritten in
   * place as the reference does (a save never writes one).
   */
  readonly duplicates: number
}

/**
 * Which zone a name belongs to: the volume index's zone function for the
 * current zone count. Called only with more than one zone; the 16-byte name
 * it gets is a scratch buffer, valid during the call.
 */
export type ZoneOf = (name: Uint8Array) => number

/**
 * Loads the stream at the start of `bytes` (the OPEN_CHAPTER region) into
 * `zones`, which are reset first, all of one capacity, for a chapter of
 * `recordsPerChapter` records (§8.2). Any failure is a CorruptData saying
 * what was wrong (and at which stream offset); the zones are then left
 * empty, as the whole saved state is unusable.
 */
export const loadInto = (
  bytes: Uint8Array,
  zones: ReadonlyArray<OpenChapterZone>,
  recordsPerChapter: number,
  zoneOf: ZoneOf
): CorruptData | LoadSummary => {
  for (const zone of zones) zone.reset()
  const header = checkHeader(bytes, recordsPerChapter)
  if (header instanceof CorruptData) return header
  const recordCount = header
  const zoneCount = zones.length
  const full = new Uint8Array(zoneCount)
  const name = new Uint8Array(NAME_BYTES)
  let loaded = 0
  let dropped = 0
  let duplicates = 0
  for (let k = 0, at = HEADER_BYTES; k < recordCount; k++, at += RECORD_BYTES) {
    let z = 0
    if (zoneCount > 1) {
      for (let i = 0; i < NAME_BYTES; i++) name[i] = bytes[at + i]!
      z = zoneOf(name)
      if (!(Number.isInteger(z) && z >= 0 && z < zoneCount)) {
        for (const zone of zones) zone.reset()
        return new CorruptData({
          message: `the zone function gave zone ${z} for saved open chapter record ${k}; zones are 0 .. ${zoneCount - 1}`,
          offset: at
        })
      }
    }
    const zone = zones[z]!
    // (A zone can only be full already when its capacity is 0.)
    if (full[z] === 1 || zone.isFull) {
      dropped++
      continue
    }
    const before = zone.size
    if (zone.putRecord(bytes, at) <= 1) full[z] = 1
    if (zone.size === before) duplicates++
    else loaded++
  }
  return { records: recordCount, loaded, dropped, duplicates }
}

/**
 * `loadInto` fresh zones: `zoneCount` zones of a chapter of
 * `recordsPerChapter` records.
 */
export const load = (
  bytes: Uint8Array,
  recordsPerChapter: number,
  zoneCount: number,
  zoneOf: ZoneOf
): CorruptData | { readonly zones: ReadonlyArray<OpenChapterZone>; readonly summary: LoadSummary } => {
  const zones = makeZones(recordsPerChapter, zoneCount)
  const summary = loadInto(bytes, zones, recordsPerChapter, zoneOf)
  return summary instanceof CorruptData ? summary : { zones, summary }
}

const startsWith = (bytes: Uint8Array, offset: number, expected: Uint8Array): boolean =>
  expected.every((byte, i) => bytes[offset + i] === byte)

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ")

/** R when the header is good and the stream fits in `bytes`, else what is wrong. */
const checkHeader = (bytes: Uint8Array, recordsPerChapter: number): CorruptData | number => {
  if (bytes.length < MAGIC.length) {
    return new CorruptData({
      message: `the saved open chapter is truncated: ${bytes.length} bytes, its magic alone needs ${MAGIC.length}`,
      offset: 0
    })
  }
  if (!startsWith(bytes, 0, MAGIC)) {
    // §8.3: the first chapter close after a save zeroes the first block.
    const discarded = bytes.subarray(0, MAGIC.length).every((b) => b === 0)
    return new CorruptData({
      message: discarded
        ? "the saved open chapter was discarded (its first block is zero): the index ran past its last save"
        : `the saved open chapter has magic ${hex(bytes.subarray(0, MAGIC.length))}, expected "ALBOC"`,
      offset: 0
    })
  }
  if (bytes.length < HEADER_BYTES) {
    return new CorruptData({
      message: `the saved open chapter is truncated: ${bytes.length} bytes, its header needs ${HEADER_BYTES}`,
      offset: 0
    })
  }
  if (!startsWith(bytes, MAGIC.length, VERSION)) {
    return new CorruptData({
      message: `the saved open chapter has version ${hex(bytes.subarray(5, 10))}, only "02.00" is accepted`,
      offset: 5
    })
  }
  const recordCount = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(10, true)
  if (recordCount > recordsPerChapter) {
    return new CorruptData({
      message: `the saved open chapter claims ${recordCount} records; a chapter holds at most ${recordsPerChapter}`,
      offset: 10
    })
  }
  if (streamBytes(recordCount) > bytes.length) {
    return new CorruptData({
      message: `the saved open chapter is truncated: ${recordCount} records need ${streamBytes(recordCount)} bytes, ` +
        `the region has ${bytes.length}`,
      offset: bytes.length
    })
  }
  return recordCount
}
