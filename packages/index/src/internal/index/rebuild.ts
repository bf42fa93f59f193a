/**
 * Rebuilding the volume index from the volume (index.md §10.3), when no save
 * loads. The live chapters are found by probing, the newest + 1 becomes a
 * fresh, empty open chapter (the crashed open chapter is lost), and every
 * record slot of every live chapter is replayed in chapter order, the
 * window sliding chapter by chapter as it did when they were written. A hint
 * for another chapter is checked against that chapter on the volume. Names
 * deleted from closed chapters come back (deletes there are soft).
 *
 * @internal
 */
import { Geometry } from "@effect-uds/volume"
import { Effect } from "effect"
import type { IndexError } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"
import { NO_LAST_SAVE } from "../layout/saveSlot.js"
import { NAME_BYTES, RECORD_BYTES } from "../openChapter/zone.js"
import type { Core } from "./core.js"
import { fromVolume, statusFailure } from "./errors.js"

const { Status } = VolumeIndex

/** A sparse geometry's sample ("hook") names: big-endian bytes 14..15 mod the sample rate is 0. */
const isSample = (name: Uint8Array, sampleRate: number): boolean =>
  sampleRate > 0 && (((name[14]! << 8) | name[15]!) % sampleRate) === 0

type Replay = "next" | { readonly verify: number }

/** One record slot, up to a possible check on the volume (returned for the caller to do). */
const replayName = (core: Core, record: VolumeIndex.Record, name: Uint8Array, chapter: number): Replay | IndexError => {
  const index = core.volumeIndex
  const status = VolumeIndex.get(index, name, record)
  if (status !== Status.Ok) return statusFailure(status, record)
  if (record.found && record.collision) {
    return record.virtualChapter === chapter ? "next" : settle(VolumeIndex.setChapter(index, record, chapter), record)
  }
  if (record.found && record.virtualChapter !== chapter) return { verify: record.virtualChapter }
  // Not found, or a hint for this very chapter: assume another name (a collision entry is added).
  return settle(VolumeIndex.put(index, record, chapter), record)
}

// DUPLICATE_NAME and OVERFLOW lose that one name; anything else stops the rebuild.
const settle = (status: VolumeIndex.Status, record: VolumeIndex.Record): "next" | IndexError =>
  status === Status.Ok || status === Status.Overflow || status === Status.DuplicateName ? "next" : statusFailure(status, record)

const replayPage = (
  core: Core,
  chapter: number,
  page: Uint8Array,
  willBeSparse: boolean
): Effect.Effect<void, IndexError> =>
  Effect.suspend(() => {
    const record = VolumeIndex.makeRecord()
    const { recordsPerPage } = core.geometry
    const sampleRate = core.config.sparseSampleRate
    const step = (slot: number): Effect.Effect<void, IndexError> => {
      for (; slot < recordsPerPage; slot++) {
        const name = page.subarray(slot * RECORD_BYTES, slot * RECORD_BYTES + NAME_BYTES)
        if (willBeSparse && !isSample(name, sampleRate)) continue
        const replay = replayName(core, record, name, chapter)
        if (replay === "next") continue
        if (!("verify" in replay)) return Effect.fail(replay)
        // A hint for another chapter: is this name really there?
        const next = slot + 1
        return Effect.flatMap(
          Effect.mapError(core.volume.lookupForRebuild(name, replay.verify), fromVolume),
          (present) => {
            const status = present
              ? VolumeIndex.setChapter(core.volumeIndex, record, chapter)
              : VolumeIndex.put(core.volumeIndex, record, chapter)
            const settled = settle(status, record)
            return settled === "next" ? step(next) : Effect.fail(settled)
          }
        )
      }
      return Effect.void
    }
    return step(0)
  })

/** Rebuilds `core`'s volume index and windows from its volume, reporting each chapter replayed. */
export const rebuild = (
  core: Core,
  progress: (done: number, total: number) => void
): Effect.Effect<void, IndexError> =>
  Effect.gen(function*() {
    const { geometry, volume } = core
    const boundaries = yield* Effect.mapError(volume.findChapterBoundaries, fromVolume)
    let oldest = 0
    let newest = 0
    if (!boundaries.isEmpty) {
      newest = boundaries.highest + 1
      oldest = boundaries.lowest
      // That physical chapter is the one the new open chapter overwrites.
      if (newest === oldest + geometry.chaptersPerVolume) oldest++
    }
    const total = newest - oldest
    for (let chapter = oldest; chapter < newest; chapter++) {
      progress(chapter - oldest, total)
      const physical = Geometry.mapToPhysicalChapter(geometry, chapter)
      yield* volume.prefetchChapter(physical)
      yield* Effect.orDie(VolumeIndex.setOpenChapter(core.volumeIndex, chapter))
      // Reading the chapter's index pages checks that their lists follow on and teaches the page map.
      yield* Effect.mapError(volume.readChapterIndex(chapter), fromVolume)
      core.pageMapLastUpdate = chapter
      const willBeSparse = Geometry.isChapterSparse(geometry, oldest, newest, chapter)
      for (let p = 0; p < geometry.recordPagesPerChapter; p++) {
        const page = yield* Effect.mapError(volume.getPage(physical, geometry.indexPagesPerChapter + p), fromVolume)
        yield* replayPage(core, chapter, page, willBeSparse)
      }
    }
    yield* Effect.orDie(VolumeIndex.setOpenChapter(core.volumeIndex, newest))
    progress(total, total)
    core.newest = newest
    core.oldest = oldest
    core.lastSave = NO_LAST_SAVE
    for (const zone of core.zones) {
      zone.newest = newest
      zone.oldest = oldest
    }
    core.hasSavedOpenChapter = false
    core.needToSave = true
  })
