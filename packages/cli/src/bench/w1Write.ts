// W1: write 64 dense chapters of 256 record pages of 4096 bytes to a file.
import { Geometry, RecordGenerator } from "@effect-uds/volume"
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

/** What W1 measured, and the chapters it wrote (the records W2/W3 look up). */
export interface W1Result {
  readonly recordsPerSecond: number
  readonly geometry: Geometry.Geometry
  readonly chapterRecords: ReadonlyArray<Uint8Array>
}

/**
 * Generates the seed-1 records of virtual chapters 0 .. 63 and writes the
 * first few to a scratch volume file (untimed warm-up, removed after), then
 * writes them all to the volume file at `file` one chapter at a time, timing
 * only the `writeChapter` calls (each ends with a flush of the device).
 */
export const w1Write = (file: string): Effect.Effect<W1Result, Error> =>
  Effect.gen(function*() {
    const geometry = yield* lookupGeometry
    yield* progress(`W1: generating ${geometry.chaptersPerVolume} chapters of ${geometry.recordsPerChapter} records`)
    const chapterRecords = RecordGenerator.chapters(geometry, 1, 0, geometry.chaptersPerVolume - 1)
    yield* progress(`W1: warming up on ${WARM_UP_CHAPTERS} chapters in a scratch file (untimed)`)
    const warmUpFile = `${file}.warm-up`
    yield* Effect.scoped(Effect.gen(function*() {
      const volume = yield* openVolume(warmUpFile, geometry)
      for (let chapter = 0; chapter < WARM_UP_CHAPTERS; chapter++) {
        yield* volume.writeChapter(chapter, chapterRecords[chapter]!)
      }
    })).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(warmUpFile, { force: true }))))
    return yield* Effect.scoped(Effect.gen(function*() {
      const volume = yield* openVolume(file, geometry)
      yield* settleHeap
      yield* progress("W1: writing chapters")
      let elapsed = 0
      for (let chapter = 0; chapter < chapterRecords.length; chapter++) {
        const start = now()
        yield* volume.writeChapter(chapter, chapterRecords[chapter]!)
        elapsed += now() - start
      }
      const records = geometry.recordsPerChapter * chapterRecords.length
      const recordsPerSecond = records / (elapsed / 1000)
      yield* progress(`W1: ${records} records in ${elapsed.toFixed(1)} ms`)
      return { recordsPerSecond, geometry, chapterRecords }
    })).pipe(Effect.mapError((error) => new Error(`W1 failed: ${error.message}`)))
  })
