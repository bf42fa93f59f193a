// W1: write 64 dense chapters of 256 record pages of 4096 bytes to a file.
import { Geometry } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Effect } from "effect"
import * as fs from "node:fs"
import { now, openVolume, progress, settleHeap } from "./benchVolume.js"

/**
 * Chapters written to a scratch volume file before timing, so the figure is
 * steady-state code, not JIT warm-up (the same code paths as the timed run,
 * file device included).
 */
const WARM_UP_CHAPTERS = 16

/** The volume W1 writes and W2/W3 read: 4096-byte pages, 256 record pages a chapter, 64 chapters. */
export const lookupGeometry = Effect.orDie(
  Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 256, chaptersPerVolume: 64 })
)

/** The chapters W1 writes (and W2/W3 look up): the seed-1 records of virtual chapters 0 .. 63. */
export interface W1Chapters {
  readonly geometry: Geometry.Geometry
  readonly chapterRecords: ReadonlyArray<Uint8Array>
}

/** Generates the records of W1's chapters (untimed). */
export const w1Chapters: Effect.Effect<W1Chapters> = Effect.gen(function*() {
  const geometry = yield* lookupGeometry
  yield* progress(`W1: generating ${geometry.chaptersPerVolume} chapters of ${geometry.recordsPerChapter} records`)
  return { geometry, chapterRecords: RecordGenerator.chapters(geometry, 1, 0, geometry.chaptersPerVolume - 1) }
})

/**
 * Writes the first few chapters to a scratch volume file (untimed warm-up,
 * removed after), then all of them to a fresh volume file at `file` one
 * chapter at a time, timing only the `writeChapter` calls (each ends with a
 * flush of the device); with `syncWrites`, the file device writes on the
 * calling thread. Returns records written per second.
 */
export const w1Write = (file: string, chapters: W1Chapters, syncWrites: boolean): Effect.Effect<number, Error> =>
  Effect.gen(function*() {
    const { chapterRecords, geometry } = chapters
    const how = syncWrites ? " (syncWrites)" : ""
    yield* progress(`W1: warming up on ${WARM_UP_CHAPTERS} chapters in a scratch file (untimed)${how}`)
    const warmUpFile = `${file}.warm-up`
    yield* Effect.scoped(Effect.gen(function*() {
      const volume = yield* openVolume(warmUpFile, geometry, { syncWrites })
      for (let chapter = 0; chapter < WARM_UP_CHAPTERS; chapter++) {
        yield* volume.writeChapter(chapter, chapterRecords[chapter]!)
      }
    })).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(warmUpFile, { force: true }))))
    return yield* Effect.scoped(Effect.gen(function*() {
      const volume = yield* openVolume(file, geometry, { syncWrites })
      yield* settleHeap
      yield* progress(`W1: writing chapters${how}`)
      let elapsed = 0
      for (let chapter = 0; chapter < chapterRecords.length; chapter++) {
        const start = now()
        yield* volume.writeChapter(chapter, chapterRecords[chapter]!)
        elapsed += now() - start
      }
      const records = geometry.recordsPerChapter * chapterRecords.length
      yield* progress(`W1: ${records} records in ${elapsed.toFixed(1)} ms`)
      return records / (elapsed / 1000)
    }))
  }).pipe(Effect.mapError((error) => new Error(`W1 failed: ${error.message}`)))
