/**
 * The volume index: the in-memory map from a record name to the newest
 * chapter that received it (spec/index/volume-index.md), with the
 * reference's sizing, delta-list memory and saved format.
 *
 * Pure and synchronous. The hot operations (`get`, `put`, `setChapter`,
 * `remove`) work through a reusable {@link Record} handle and return a
 * numeric {@link Status}; nothing is allocated per call. `failure` turns an
 * error status into a typed error at the caller's boundary. `make`, `load`
 * and `save` return `Either`.
 *
 * @since 0.1.0
 */
import type { Geometry } from "@effect-uds/volume"
import { describeValue } from "@effect-uds/volume/internal/volume/volumeInput"
import { Either } from "effect"
import * as DeltaStatus from "./internal/delta/status.js"
import { loadStreams } from "./internal/volumeIndex/load.js"
import { VolumeIndexRecord } from "./internal/volumeIndex/record.js"
import { saveStreams } from "./internal/volumeIndex/save.js"
import * as VolumeIndexSizing from "./internal/volumeIndex/sizing.js"
import { NO_CHAPTER as NONE } from "./internal/volumeIndex/subIndex.js"
import * as Impl from "./internal/volumeIndex/volumeIndex.js"
import { CorruptData, InvalidArgument } from "./IndexError.js"

/**
 * A volume index. Opaque: use the functions of this module.
 *
 * @since 0.1.0
 * @category models
 */
export type VolumeIndex = Impl.VolumeIndexState

/**
 * The record handle `get` fills and `put` / `setChapter` / `remove` act on:
 * `found`, `collision` (the entry carries the full name, so it is exact),
 * `virtualChapter` and `zone`, plus its place in the list. Valid until the
 * next change to the same delta list; reuse one per request stream.
 *
 * @since 0.1.0
 * @category models
 */
export type Record = VolumeIndexRecord

/**
 * A new record handle.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRecord = (): Record => new VolumeIndexRecord()

/**
 * The results of the hot operations (the reference's status values).
 * `Overflow` and `DuplicateName` are answers, not failures: the index
 * ignores them (volume-index.md §1).
 *
 * @since 0.1.0
 * @category models
 */
export const Status = {
  Ok: DeltaStatus.OK,
  Overflow: DeltaStatus.OVERFLOW,
  InvalidArgument: DeltaStatus.INVALID_ARGUMENT,
  BadState: DeltaStatus.BAD_STATE,
  DuplicateName: DeltaStatus.DUPLICATE_NAME,
  CorruptData: DeltaStatus.CORRUPT_DATA
} as const

/**
 * One of the values of {@link Status}.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = (typeof Status)[keyof typeof Status]

/**
 * `lookupSample`'s answer when the name has no chapter.
 *
 * @since 0.1.0
 * @category models
 */
export const NO_CHAPTER: number = NONE

/**
 * The counters of §5.8 summed over zones and sub-indexes, and the bytes of
 * the typed arrays that hold the index.
 *
 * @since 0.1.0
 * @category models
 */
export type Stats = Impl.VolumeIndexStats

/**
 * The sizing of a volume index (lists, field widths, coding constants,
 * zone memory), as volume-index.md §2 computes it.
 *
 * @since 0.1.0
 * @category models
 */
export type Sizing = VolumeIndexSizing.VolumeIndexSizing

/**
 * Options of `make` and `load`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Zones (1..16), default 1. */
  readonly zoneCount?: number
  /** The mean delta between keys, an integer from 1 to 2^23, default 4096. */
  readonly meanDelta?: number
}

const invalid = (message: string) => Either.left(new InvalidArgument({ message }))

// A mean delta needs at most 31 address bits (meanDelta × 256 − 1 < 2^31).
const MAX_MEAN_DELTA = 2 ** 23

const sizeFor = (geometry: Geometry.Geometry, options: Options): Either.Either<Sizing, InvalidArgument> => {
  if (typeof options !== "object" || options === null) {
    return invalid(`volume index options must be an object (zoneCount, meanDelta), got ${describeValue(options)}`)
  }
  const meanDelta = options.meanDelta ?? VolumeIndexSizing.DEFAULT_MEAN_DELTA
  if (!Number.isSafeInteger(meanDelta) || meanDelta < 1 || meanDelta > MAX_MEAN_DELTA) {
    return invalid(`volume index: the mean delta must be an integer from 1 to ${MAX_MEAN_DELTA}, got ${describeValue(meanDelta)}`)
  }
  const result = VolumeIndexSizing.size(geometry, options.zoneCount ?? 1, meanDelta)
  return result.ok
    ? Either.right(result.value)
    : Either.left(new InvalidArgument({ message: `volume index: ${result.message}` }))
}

/**
 * An empty volume index for `geometry`, every zone's window at chapter 0.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (geometry: Geometry.Geometry, options: Options = {}): Either.Either<VolumeIndex, InvalidArgument> =>
  Either.map(sizeFor(geometry, options), (sizing) => new Impl.VolumeIndexState(sizing))

const isName = (name: unknown): name is Uint8Array => name instanceof Uint8Array && name.length === Impl.NAME_BYTES

const nameProblem = (name: unknown): string =>
  `a record name must be a Uint8Array of ${Impl.NAME_BYTES} bytes, got ${describeValue(name)}`

// The checks below come first so that no value reaches a message or the lists unchecked.
const badName = (record: Record, name: unknown): Status => {
  record.problem = nameProblem(name)
  record.found = false
  return Status.InvalidArgument
}

const badChapter = (record: Record, chapter: unknown): Status => {
  record.problem = `a chapter must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${describeValue(chapter)}`
  return Status.InvalidArgument
}

/**
 * Looks `name` up, filling `record` (volume-index.md §5.2). The list is
 * first cleared of expired entries when it may hold some. Returns
 * `Status.Ok`, `InvalidArgument` (a name not a Uint8Array of 16 bytes) or
 * `CorruptData`.
 *
 * @since 0.1.0
 * @category operations
 */
export const get = (index: VolumeIndex, name: Uint8Array, record: Record): Status =>
  isName(name) ? Impl.get(index, name, record) as Status : badName(record, name)

/**
 * Puts the name of the record's last `get` with `chapter` (§5.3): a new
 * entry, or a collision entry after the ordinary entry found. Returns `Ok`,
 * `Overflow` (the entry was dropped), `DuplicateName` (already a collision
 * entry) or `InvalidArgument` (chapter outside the zone's window).
 *
 * @since 0.1.0
 * @category operations
 */
export const put = (index: VolumeIndex, record: Record, chapter: number): Status =>
  Number.isSafeInteger(chapter) ? Impl.put(index, record, chapter) as Status : badChapter(record, chapter)

/**
 * Moves a found record to `chapter` (§5.4): `Ok`, `BadState` (not found) or
 * `InvalidArgument` (outside the window).
 *
 * @since 0.1.0
 * @category operations
 */
export const setChapter = (index: VolumeIndex, record: Record, chapter: number): Status =>
  Number.isSafeInteger(chapter) ? Impl.setChapter(index, record, chapter) as Status : badChapter(record, chapter)

/**
 * Removes a found record's entry (§5.5): `Ok`, `BadState` (not found) or
 * `CorruptData`.
 *
 * @since 0.1.0
 * @category operations
 */
export const remove = (index: VolumeIndex, record: Record): Status => Impl.remove(index, record) as Status

/**
 * The chapter of a hook name in the hook sub-index, without flushing or
 * changing anything (§5.7); `NO_CHAPTER` for a non-hook name (every name
 * of a dense index), a name not found, or any error.
 *
 * @since 0.1.0
 * @category operations
 */
export const lookupSample = (index: VolumeIndex, name: Uint8Array): number =>
  isName(name) ? Impl.lookupSample(index, name) : NO_CHAPTER

const chapterError = (chapter: number): InvalidArgument =>
  new InvalidArgument({ message: `a chapter is an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${describeValue(chapter)}` })

/**
 * Opens `chapter` in every zone (§5.6): the window becomes
 * [chapter − chapters + 1, chapter], raised further by early expiry when a
 * zone is too full. Expired entries leave lazily, on the next get of their
 * list.
 *
 * @since 0.1.0
 * @category operations
 */
export const setOpenChapter = (index: VolumeIndex, chapter: number): Either.Either<void, InvalidArgument> => {
  if (!Number.isSafeInteger(chapter) || chapter < 0) return Either.left(chapterError(chapter))
  for (let z = 0; z < index.sizing.zoneCount; z++) Impl.setZoneOpenChapter(index, z, chapter)
  return Either.void
}

/**
 * Opens `chapter` in one zone, as each zone does when it closes a chapter.
 *
 * @since 0.1.0
 * @category operations
 */
export const setZoneOpenChapter = (
  index: VolumeIndex,
  zone: number,
  chapter: number
): Either.Either<void, InvalidArgument> => {
  if (!Number.isSafeInteger(zone) || zone < 0 || zone >= index.sizing.zoneCount) {
    return Either.left(
      new InvalidArgument({ message: `zone must be an integer from 0 to ${index.sizing.zoneCount - 1}, got ${describeValue(zone)}` })
    )
  }
  if (!Number.isSafeInteger(chapter) || chapter < 0) return Either.left(chapterError(chapter))
  Impl.setZoneOpenChapter(index, zone, chapter)
  return Either.void
}

/**
 * The zone that handles `name` (§3): its list's number div lists per zone,
 * in the sub-index the name belongs to.
 *
 * @since 0.1.0
 * @category operations
 */
export const zoneOf = (index: VolumeIndex, name: Uint8Array): Either.Either<number, InvalidArgument> =>
  isName(name) ? Either.right(Impl.zoneOf(index, name)) : invalid(nameProblem(name))

/**
 * The chapter window [low, high] of a zone of the main (non-hook or only)
 * sub-index, or of the hook sub-index of a sparse index. A zone that is not
 * one of the index's throws `InvalidArgument` (the answer carries no error).
 *
 * @since 0.1.0
 * @category operations
 */
export const window = (
  index: VolumeIndex,
  zone: number,
  subIndex: "main" | "hook" = "main"
): { readonly low: number; readonly high: number } => {
  if (!Number.isSafeInteger(zone) || zone < 0 || zone >= index.sizing.zoneCount) {
    throw new InvalidArgument({
      message: `zone must be an integer from 0 to ${index.sizing.zoneCount - 1}, got ${describeValue(zone)}`
    })
  }
  const sub = subIndex === "hook" ? index.hook ?? index.main : index.main
  return { low: sub.low[zone] ?? 0, high: sub.high[zone] ?? 0 }
}

/**
 * What a walk over every entry found (for verification; nothing changes).
 *
 * @since 0.1.0
 * @category models
 */
export interface EntryCheck {
  /** Entries in all lists. */
  readonly entries: number
  /** Entries of chapters that left the window but were not flushed yet (harmless: the next get drops them). */
  readonly expired: number
  /** Entries whose chapter is above the window's newest chapter: no valid index has them. */
  readonly aboveHigh: number
  /** The first list (in sub-index order) whose bits do not decode, if any. */
  readonly undecodableList: number | undefined
}

/**
 * Walks every entry of every list and says whether each points at a live
 * chapter of the window (§4.2, §4.3). Read-only; costs a full decode, so it
 * is for `verify`, not for requests.
 *
 * @since 0.1.0
 * @category operations
 */
export const checkEntries = (index: VolumeIndex): EntryCheck => {
  let entries = 0
  let expired = 0
  let aboveHigh = 0
  let undecodableList: number | undefined
  for (const sub of index.subIndexes) {
    const check = sub.checkEntries()
    entries += check.entries
    expired += check.expired
    aboveHigh += check.aboveHigh
    undecodableList ??= check.undecodable
  }
  return { entries, expired, aboveHigh, undecodableList }
}

/**
 * The index's counters and memory.
 *
 * @since 0.1.0
 * @category operations
 */
export const stats: (index: VolumeIndex) => Stats = Impl.stats

/**
 * The typed error for an error status of `record`'s last operation
 * (`InvalidArgument`, `BadState` → InvalidArgument; `CorruptData`), with its
 * message; `undefined` for `Ok`, `Overflow` and `DuplicateName`.
 *
 * @since 0.1.0
 * @category errors
 */
export const failure = (status: Status, record: Record): InvalidArgument | CorruptData | undefined => {
  switch (status) {
    case Status.InvalidArgument:
    case Status.BadState:
      return new InvalidArgument({ message: record.problem })
    case Status.CorruptData:
      return new CorruptData({ message: record.problem })
    default:
      return undefined
  }
}

/**
 * Saves the index in the reference's format (volume-index.md §6): one
 * stream per zone, each to go at the start of that zone's VOLUME_INDEX
 * region of a save slot, stamped with the volume nonce. A nonce that is not
 * a u64 throws `InvalidArgument` (the streams carry no error).
 *
 * @since 0.1.0
 * @category persistence
 */
export const save = (index: VolumeIndex, nonce: bigint): ReadonlyArray<Uint8Array> => {
  const problem = nonceProblem(nonce)
  if (problem !== undefined) throw new InvalidArgument({ message: problem })
  return saveStreams(index, nonce)
}

const MAX_U64 = (1n << 64n) - 1n

const nonceProblem = (nonce: unknown): string | undefined =>
  typeof nonce === "bigint" && nonce >= 0n && nonce <= MAX_U64
    ? undefined
    : `a volume nonce must be a bigint from 0n to 2^64 - 1, got ${describeValue(nonce)}`

const streamsProblem = (streams: unknown): string | undefined => {
  if (!Array.isArray(streams)) return `volume index streams must be an array of Uint8Arrays, got ${describeValue(streams)}`
  const bad = streams.findIndex((stream) => !(stream instanceof Uint8Array))
  return bad === -1 ? undefined : `volume index stream ${bad} must be a Uint8Array, got ${describeValue(streams[bad])}`
}

/**
 * Loads a saved index from the streams of a save slot (one per zone of the
 * index that saved it; a stream may run on past its guard), into an index
 * for `geometry` with its own zone count. `nonce` is the volume nonce the
 * streams must carry (0n accepts the first stream's). A corrupt or
 * truncated stream is `CorruptData`; streams that are not an array of
 * Uint8Arrays, or a nonce that is not a u64, is `InvalidArgument`.
 *
 * @since 0.1.0
 * @category persistence
 */
export const load = (
  geometry: Geometry.Geometry,
  streams: ReadonlyArray<Uint8Array>,
  options: Options & { readonly nonce?: bigint } = {}
): Either.Either<VolumeIndex, InvalidArgument | CorruptData> =>
  Either.flatMap(sizeFor(geometry, options), (sizing): Either.Either<VolumeIndex, InvalidArgument | CorruptData> => {
    const nonce = options.nonce ?? 0n
    const problem = nonceProblem(nonce) ?? streamsProblem(streams)
    if (problem !== undefined) return invalid(problem)
    const loaded = loadStreams(sizing, streams, nonce)
    return typeof loaded === "string" ? Either.left(new CorruptData({ message: loaded })) : Either.right(loaded)
  })
