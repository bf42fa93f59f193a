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
import * as Impl from "../volumeIndex/volumeIndex.js"
import type { Core } from "./core.js"
import { fromVolume, statusFailure } from "./errors.js"

const { Status } = VolumeIndex

/** A sparse geometry's sample ("hook") names: big-endian bytes 14..15 mod the sample rate is 0. */
const isSample = (name: Uint8Array, sampleRate: number): boolean =>
  sampleRate > 0 && (((name[14]! << 8) | name[15]!) % sampleRate) === 0

/** The replay of one record slot needs its name checked on the volume, in the chapter its hint names. */
const VERIFY = -1

/**
 * One record slot, up to a possible check on the volume: Ok when done (a
 * lost name included), VERIFY when the name's hint is for another chapter
 * (record.virtualChapter), else the status that stops the rebuild.
 */
const replayName = (index: VolumeIndex.VolumeIndex, record: VolumeIndex.Record, name: Uint8Array, chapter: number): number => {
  const status = Impl.get(index, name, record)
  if (status !== Status.Ok) return status
  if (record.found && record.collision) {
    return record.virtualChapter === chapter ? Status.Ok : settle(Impl.setChapter(index, record, chapter))
  }
  if (record.found && record.virtualChapter !== chapter) return VERIFY
  // Not found, or a hint for this very chapter: assume another name (a collision entry is added).
  return settle(Impl.put(index, record, chapter))
}

// DUPLICATE_NAME and OVERFLOW lose that one name; anything else stops the rebuild.
const settle = (status: number): number =>
  status === Status.Overflow || status === Status.DuplicateName ? Status.Ok : status

/** Where a page's replay stopped: the slot after the name to check, or the page's end. */
interface PageReplay {
  /** The next slot to replay, recordsPerPage when the page is done. */
  slot: number
  /** Ok, VERIFY or the status that stops the rebuild. */
  status: number
}

/**
 * Replays the slots of `page` from `slot` on, synchronously, into `name`
 * (each slot's name is copied there: no view per record), until the page
 * ends, a name needs a check on the volume or a status stops the rebuild.
 */
const replaySlots = (
  core: Core,
  chapter: number,
  page: Uint8Array,
  slot: number,
  willBeSparse: boolean,
  record: VolumeIndex.Record,
  name: Uint8Array,
  out: PageReplay
): void => {
  const index = core.volumeIndex
  const { recordsPerPage } = core.geometry
  const sampleRate = core.config.sparseSampleRate
  for (; slot < recordsPerPage; slot++) {
    const at = slot * RECORD_BYTES
    for (let i = 0; i < NAME_BYTES; i++) name[i] = page[at + i]!
    if (willBeSparse && !isSample(name, sampleRate)) continue
    const status = replayName(index, record, name, chapter)
    if (status !== Status.Ok) {
      out.slot = slot + 1
      out.status = status
      return
    }
  }
  out.slot = recordsPerPage
  out.status = Status.Ok
}

const replayPage = (
  core: Core,
  chapter: number,
  page: Uint8Array,
  willBeSparse: boolean,
  record: VolumeIndex.Record,
  name: Uint8Array,
  out: PageReplay
): Effect.Effect<void, IndexError> => {
  replaySlots(core, chapter, page, 0, willBeSparse, record, name, out)
  return out.slot === core.geometry.recordsPerPage && out.status === Status.Ok
    ? Effect.void
    : Effect.suspend(() => finishPage(core, chapter, page, willBeSparse, record, name, out))
}

// The rest of a page whose replay stopped: a name to check on the volume (then on), or a failure.
const finishPage = (
  core: Core,
  chapter: number,
  page: Uint8Array,
  willBeSparse: boolean,
  record: VolumeIndex.Record,
  name: Uint8Array,
  out: PageReplay
): Effect.Effect<void, IndexError> => {
  if (out.status !== VERIFY) return Effect.fail(statusFailure(out.status as VolumeIndex.Status, record))
  // A hint for another chapter: is this name really there? (The name buffer is not touched meanwhile.)
  return Effect.flatMap(
    Effect.mapError(core.volume.lookupForRebuild(name, record.virtualChapter), fromVolume),
    (present) => {
      const status = settle(
        present ? Impl.setChapter(core.volumeIndex, record, chapter) : Impl.put(core.volumeIndex, record, chapter)
      )
      if (status !== Status.Ok) return Effect.fail(statusFailure(status as VolumeIndex.Status, record))
      replaySlots(core, chapter, page, out.slot, willBeSparse, record, name, out)
      return out.slot === core.geometry.recordsPerPage && out.status === Status.Ok
        ? Effect.void
        : finishPage(core, chapter, page, willBeSparse, record, name, out)
    }
  )
}

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
    const record = VolumeIndex.makeRecord()
    const name = new Uint8Array(NAME_BYTES)
    const out: PageReplay = { slot: 0, status: Status.Ok }
    if (total > 0) yield* volume.prefetchChapter(Geometry.mapToPhysicalChapter(geometry, oldest))
    for (let chapter = oldest; chapter < newest; chapter++) {
      progress(chapter - oldest, total)
      const physical = Geometry.mapToPhysicalChapter(geometry, chapter)
      // Reads ahead: the next chapter's pages arrive while this one is replayed.
      if (chapter + 1 < newest) yield* volume.prefetchChapter(Geometry.mapToPhysicalChapter(geometry, chapter + 1))
      yield* Effect.orDie(VolumeIndex.setOpenChapter(core.volumeIndex, chapter))
      // Reading the chapter's index pages checks that their lists follow on and teaches the page map.
      yield* Effect.mapError(volume.readChapterIndex(chapter), fromVolume)
      core.pageMapLastUpdate = chapter
      const willBeSparse = Geometry.isChapterSparse(geometry, oldest, newest, chapter)
      for (let p = 0; p < geometry.recordPagesPerChapter; p++) {
        const page = yield* Effect.mapError(volume.getPage(physical, geometry.indexPagesPerChapter + p), fromVolume)
        yield* replayPage(core, chapter, page, willBeSparse, record, name, out)
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
