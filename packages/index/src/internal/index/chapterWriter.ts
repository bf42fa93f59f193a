/**
 * The chapter writer (index.md §8.3): its own fiber, taking each chapter
 * once every zone has handed in its share, collating the zones' writing
 * chapters into chapter order and writing them through the volume. It is at
 * most one chapter behind: a zone that fills again waits for it (§8.1).
 *
 * The first chapter written after a load or save zeroes the first block of
 * the latest save's open chapter (open-chapter.md §8.3): from then on that
 * save no longer matches the volume, and loading it must fall back to a
 * rebuild. A failed write is not reported here: the next close in each zone
 * fails with it.
 *
 * @internal
 */
import { Geometry } from "@effect-uds/volume"
import { Cause, Effect, Exit, Option, Queue } from "effect"
import { type IndexError, IoError } from "../../IndexError.js"
import { currentSlot } from "../layout/currentSlot.js"
import { collate } from "../openChapter/collate.js"
import { BLOCK_BYTES } from "../openChapter/savedFormat.js"
import type { Core } from "./core.js"
import { fromVolume } from "./errors.js"

/** Zeroes the first block of the latest save's open chapter; errors are ignored, as in the reference. */
const discardSavedOpenChapter = (core: Core): Effect.Effect<void> =>
  Option.match(currentSlot(core.slots), {
    onNone: () => Effect.void,
    onSome: (slot) =>
      core.device.write(slot.regions.openChapter.byteOffset, new Uint8Array(BLOCK_BYTES)).pipe(
        Effect.zipRight(core.device.flush),
        Effect.catchAll((error) => Effect.logWarning(`discarding the saved open chapter failed: ${error.message}`))
      )
  })

const writeOne = (core: Core, chapter: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* core.changed.waitUntil(() => !core.saving)
    if (core.hasSavedOpenChapter) {
      core.hasSavedOpenChapter = false
      yield* discardSavedOpenChapter(core)
    }
    const collated = collate(core.zones.map((zone) => zone.writing), core.geometry.recordsPerChapter, core.collation)
    if (collated === undefined) return yield* Effect.dieMessage(`chapter ${chapter} closed with no full zone`)
    const result = yield* Effect.exit(Effect.mapError(core.volume.writeChapter(chapter, collated.records, collated.indexed), fromVolume))
    core.writeError = Exit.isFailure(result) ? failureOf(result.cause) : undefined
    if (core.writeError === undefined) core.pageMapLastUpdate = chapter
    else yield* Effect.logError(`writing chapter ${chapter} failed: ${core.writeError.message}`)
    core.handedIn = 0
    core.newest = chapter + 1
    core.oldest += Geometry.chaptersToExpire(core.geometry, core.newest)
  }).pipe(
    Effect.ensuring(Effect.sync(() => {
      core.chaptersPending--
      core.changed.notify()
    }))
  )

const failureOf = (cause: Cause.Cause<IndexError>): IndexError =>
  Option.getOrElse(Cause.failureOption(cause), () =>
    new IoError({ message: `writing a chapter stopped: ${Cause.pretty(cause)}`, operation: "write" }))

/** The writer's loop, to fork into the index's scope. */
export const runChapterWriter = (core: Core): Effect.Effect<never> =>
  Effect.forever(Effect.flatMap(Queue.take(core.writerInbox), (chapter) => writeOne(core, chapter)))
