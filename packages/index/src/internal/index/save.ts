/**
 * Saving the index (index.md §9, layout.md §5.3). Into the older slot: its
 * header is rewritten UNSAVED and flushed first, so a crash anywhere in the
 * save leaves that slot invalid and the other, previous save current; then
 * the open chapter, the volume index zones and the page map, flushed; then
 * the SAVE header, flushed — the commit point.
 *
 * What is saved is taken in one synchronous step once nothing is in flight,
 * and the chapter writer waits while a save writes, so the save matches the
 * volume even when requests go on meanwhile.
 *
 * @internal
 */
import { Clock, Effect, Either } from "effect"
import { CorruptData, type IndexError } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"
import { slotToSave } from "../layout/currentSlot.js"
import type { Region } from "../layout/regionTable.js"
import { decodeSaveSlot, encodeSaveSlotHeader, NO_LAST_SAVE, saveRegions } from "../layout/saveSlot.js"
import * as SavedOpenChapter from "../openChapter/savedFormat.js"
import { type Core, isQuiet } from "./core.js"

const PAGE_MAP_LAST_UPDATE = 8

/** Everything a save writes, taken at one moment. */
interface Snapshot {
  readonly slot: number
  readonly openChapter: Uint8Array
  readonly volumeIndex: ReadonlyArray<Uint8Array>
  readonly pageMap: Uint8Array
  readonly newest: number
  readonly oldest: number
  readonly lastSave: bigint
}

const writeInto = (core: Core, region: Region, what: string, bytes: Uint8Array): Effect.Effect<void, IndexError> =>
  bytes.length > region.byteLength
    ? Effect.fail(
      new CorruptData({
        message: `the saved ${what} is ${bytes.length} bytes; its region holds ${region.byteLength}`,
        offset: region.byteOffset
      })
    )
    : core.device.write(region.byteOffset, bytes)

/** The page map as saved, with the last update the reference would record (the newest chapter written). */
const savedPageMap = (core: Core): Uint8Array => {
  const bytes = core.pageMap.save()
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(
    PAGE_MAP_LAST_UPDATE,
    BigInt(core.pageMapLastUpdate),
    true
  )
  return bytes
}

const snapshot = (core: Core): Snapshot => ({
  slot: slotToSave(core.slots),
  openChapter: SavedOpenChapter.save(core.zones.map((zone) => zone.open)),
  volumeIndex: VolumeIndex.save(core.volumeIndex, core.layout.volumeNonce),
  pageMap: savedPageMap(core),
  newest: core.newest,
  oldest: core.oldest,
  lastSave: core.newest === 0 ? NO_LAST_SAVE : BigInt(core.newest - 1)
})

/**
 * A save's timestamp: now in ms, but never 0 (that is no save) and always
 * later than every other slot's, so it is the one loaded.
 */
const timestampFor = (core: Core, slot: number): Effect.Effect<bigint> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    let stamp = now > 0 ? BigInt(now) : 1n
    core.slots.forEach((other, i) => {
      if (i !== slot && Either.isRight(other) && other.right.state === "saved" && other.right.timestamp >= stamp) {
        stamp = other.right.timestamp + 1n
      }
    })
    return stamp
  })

const writeSave = (core: Core, saved: Snapshot): Effect.Effect<void, IndexError> =>
  Effect.gen(function*() {
    const { device, layout } = core
    const { slot } = saved
    core.slots[slot] = Either.right({ state: "unsaved", slot })
    yield* device.write(layout.saves[slot]!.byteOffset, encodeSaveSlotHeader(layout, slot, { type: "unsaved" }))
    yield* device.flush
    const regions = saveRegions(layout, slot, saved.volumeIndex.length)
    yield* writeInto(core, regions.openChapter, "open chapter", saved.openChapter)
    for (let zone = 0; zone < saved.volumeIndex.length; zone++) {
      yield* writeInto(core, regions.volumeIndexZones[zone]!, `volume index zone ${zone}`, saved.volumeIndex[zone]!)
    }
    yield* writeInto(core, regions.pageMap, "index page map", saved.pageMap)
    yield* device.flush
    const header = encodeSaveSlotHeader(layout, slot, {
      type: "save",
      zoneCount: saved.volumeIndex.length,
      timestamp: yield* timestampFor(core, slot),
      newestChapter: BigInt(saved.newest),
      oldestChapter: BigInt(saved.oldest),
      lastSave: saved.lastSave
    })
    yield* device.write(regions.header.byteOffset, header)
    yield* device.flush
    core.slots[slot] = decodeSaveSlot(layout, slot, header)
  })

/**
 * Saves when anything changed since the last load or save, once nothing is
 * in flight. A failed save leaves its slot UNSAVED and the previous save
 * current, and the index still needing a save. After a failed chapter write
 * nothing is saved (the reference saves, but its save would name a chapter
 * the volume does not hold): the next load rebuilds.
 */
export const saveIndex = (core: Core): Effect.Effect<void, IndexError> =>
  core.changed.whenReady(() => isQuiet(core), () => {
    if (!core.needToSave) return Effect.void
    // A save must match the volume: after a lost chapter write, only a rebuild does.
    if (core.writeError !== undefined) return Effect.fail(core.writeError)
    const saved = snapshot(core)
    const previous = core.lastSave
    core.lastSave = saved.lastSave
    core.needToSave = false
    core.saving = true
    return writeSave(core, saved).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          core.hasSavedOpenChapter = true
        })
      ),
      Effect.onError(() =>
        Effect.sync(() => {
          core.lastSave = previous
          core.needToSave = true
        })
      ),
      Effect.ensuring(Effect.sync(() => {
        core.saving = false
        core.changed.notify()
      }))
    )
  })
