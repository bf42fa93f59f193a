/**
 * Loading a save (index.md §10.2): the open chapter first, re-zoned by the
 * current zone count (open-chapter.md §8.2), then the volume index from the
 * slot's zone streams (which may be fewer or more than the current zones),
 * then the index page map. Any failure means the save is not usable (a
 * CorruptData saying why): the caller then rebuilds or refuses.
 *
 * @internal
 */
import { IndexPageMap } from "@effect-uds/volume"
import { Effect, Either } from "effect"
import { CorruptData, type IndexError } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"
import type { Region } from "../layout/regionTable.js"
import type { SavedSlot } from "../layout/saveSlot.js"
import * as SavedOpenChapter from "../openChapter/savedFormat.js"
import * as VolumeIndexLoad from "../volumeIndex/load.js"
import { VolumeIndexState } from "../volumeIndex/volumeIndex.js"
import type { Core } from "./core.js"

const chapterNumber = (value: bigint, what: string): Either.Either<number, CorruptData> =>
  value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Either.right(Number(value))
    : Either.left(new CorruptData({ message: `the save's ${what} chapter ${value} is beyond ${Number.MAX_SAFE_INTEGER}` }))

const fromEither = <A, E>(either: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(either) ? Effect.succeed(either.right) : Effect.fail(either.left)

/** The first read of a volume index zone's region: enough for the headers of a small index. */
const FIRST_READ_BYTES = 1 << 16

/**
 * A volume index zone's saved stream: only as much of its region as the
 * stream can use (a region is sized for a full index), read in at most a
 * few steps as the stream's headers tell its length. Each step reads the
 * stream from its start again: rereading the first bytes costs less than
 * joining the pieces (a copy of megabytes into fresh memory).
 */
const readStream = (core: Core, region: Region, sparse: boolean): Effect.Effect<Uint8Array, IndexError> =>
  Effect.gen(function*() {
    let bytes = yield* core.device.read(region.byteOffset, Math.min(region.byteLength, FIRST_READ_BYTES))
    for (;;) {
      const needed = Math.min(VolumeIndexLoad.savedStreamBytes(bytes, sparse), region.byteLength)
      if (needed <= bytes.length) return bytes
      bytes = yield* core.device.read(region.byteOffset, needed)
    }
  })

/** Loads `slot` into `core` (zones, volume index, page map, windows and flags). */
export const loadSave = (core: Core, slot: SavedSlot): Effect.Effect<void, IndexError> => {
  // Whether the volume index was written into: a failed load then leaves a fresh one for the rebuild.
  let touched = false
  return Effect.gen(function*() {
    const { device, geometry, layout } = core
    const { regions } = slot
    const newest = yield* fromEither(chapterNumber(slot.newestChapter, "newest"))
    const oldest = yield* fromEither(chapterNumber(slot.oldestChapter, "oldest"))
    if (oldest > newest || newest - oldest >= geometry.chaptersPerVolume) {
      return yield* new CorruptData({
        message: `the save's chapters ${oldest} .. ${newest} do not make a window of at most ${geometry.chaptersPerVolume}`
      })
    }
    const openChapter = yield* device.read(regions.openChapter.byteOffset, regions.openChapter.byteLength)
    const zoneIndex = core.volumeIndex
    const loaded = SavedOpenChapter.loadInto(
      openChapter,
      core.zones.map((zone) => zone.open),
      geometry.recordsPerChapter,
      (name) => Either.getOrElse(VolumeIndex.zoneOf(zoneIndex, name), () => 0)
    )
    if (loaded instanceof CorruptData) return yield* loaded
    const streams: Array<Uint8Array> = []
    const sparse = geometry.sparseChaptersPerVolume > 0
    for (const region of regions.volumeIndexZones) streams.push(yield* readStream(core, region, sparse))
    // Into the index the session made at open: a second one would allocate and zero its memory again.
    touched = true
    const problem = VolumeIndexLoad.loadStreamsInto(core.volumeIndex, streams, layout.volumeNonce)
    if (problem !== undefined) return yield* new CorruptData({ message: problem })
    const pageMapBytes = yield* device.read(regions.pageMap.byteOffset, regions.pageMap.byteLength)
    const pageMap = yield* Effect.mapError(
      fromEither(IndexPageMap.decode(geometry, pageMapBytes)),
      (error) => new CorruptData({ message: error.message, offset: regions.pageMap.byteOffset })
    )
    yield* Effect.mapError(core.pageMap.load(pageMapBytes), (error) => new CorruptData({ message: error.message }))
    core.pageMapLastUpdate = pageMap.lastUpdate
    core.newest = newest
    core.oldest = oldest
    core.lastSave = slot.lastSave
    for (const zone of core.zones) {
      zone.newest = newest
      zone.oldest = oldest
    }
    core.hasSavedOpenChapter = true
    core.needToSave = false
  }).pipe(
    Effect.tapError(() =>
      Effect.sync(() => {
        for (const zone of core.zones) zone.open.reset()
        if (touched) core.volumeIndex = new VolumeIndexState(core.volumeIndex.sizing)
      })
    )
  )
}
