/**
 * A zone closes its open chapter (index.md §8.1): when a put fills it, or
 * when the first zone to close that chapter announces it. The zone first
 * waits for the writer to finish its previous chapter (so no zone is more
 * than one chapter ahead), swaps its open and writing chapters, opens the
 * next chapter in its window and the volume index, and hands the writing
 * chapter in. Expiry is one chapter early (§8.4): when chapter n opens,
 * chapter n − chapters_per_volume leaves the window, because its physical
 * slot is the one chapter n will be written to.
 *
 * @internal
 */
import { Geometry } from "@effect-uds/volume"
import { Effect, Queue } from "effect"
import * as VolumeIndex from "../../VolumeIndex.js"
import type { Core, Zone } from "./core.js"

/** Puts a message in a zone's inbox; it counts as pending until the zone has handled it. */
const announce = (zone: Zone, chapter: number): void => zone.inbox.announce({ _tag: "announce", chapter })

const handOver = (core: Core, zone: Zone): Effect.Effect<void> => {
  const written = zone.open
  zone.open = zone.writing
  zone.writing = written
  const closed = zone.newest
  zone.newest = closed + 1
  VolumeIndex.setZoneOpenChapter(core.volumeIndex, zone.id, zone.newest)
  zone.open.reset()
  core.handedIn++
  if (core.handedIn === 1) {
    for (const other of core.zones) if (other !== zone) announce(other, closed)
  }
  const expiring = zone.oldest
  const expired = Geometry.chaptersToExpire(core.geometry, zone.newest)
  zone.oldest += expired
  if (core.handedIn < core.zones.length) return Effect.void
  // The last zone in: the expired chapters' pages go, and the writer gets the chapter.
  core.chaptersPending++
  Queue.unsafeOffer(core.writerInbox, closed)
  if (expired === 0) return Effect.void
  return Effect.forEach(
    Array.from({ length: expired }, (_, i) => expiring + i),
    (chapter) => core.volume.forgetChapter(chapter),
    { discard: true }
  )
}

/**
 * Closes the zone's open chapter. Fails with the writer's error when the
 * previous chapter's write failed (the request that filled the zone then
 * fails, which disables the index).
 */
export const closeChapter = (core: Core, zone: Zone) =>
  Effect.zipRight(
    // After a failed write a lagging zone may never hand its chapter in: do not wait for it.
    core.changed.waitUntil(() => core.newest >= zone.newest || core.writeError !== undefined),
    Effect.suspend(() => (core.writeError !== undefined ? Effect.fail(core.writeError) : handOver(core, zone)))
  )
