// W1: write 64 dense chapters of 256 record pages of 4096 bytes to a file.
import { BlockDevice, Geometry, RecordGenerator, Volume } from "@effect-uds/volume"
import { Effect, Layer } from "effect"
import { BENCH_NONCE, now, openVolume, progress, settleHeap } from "./benchVolume.js"

/** Chapters written to a memory volume before timing, so the figure is steady-state code, not JIT warm-up. */
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
 * first few to a memory volume (untimed warm-up), then writes them all to
 * the volume file at `file` one chapter at a time, timing only the
 * `writeChapter` calls (each ends with a flush of the device).
 */
export const w1Write = (file: string): Effect.Effect<W1Result, Error> =>
  Effect.gen(function*() {
    const geometry = yield* lookupGeometry
    yield* progress(`W1: generating ${geometry.chaptersPerVolume} chapters of ${geometry.recordsPerChapter} records`)
    const chapterRecords = RecordGenerator.chapters(geometry, 1, 0, geometry.chaptersPerVolume - 1)
    yield* progress(`W1: warming up on ${WARM_UP_CHAPTERS} chapters in memory (untimed)`)
    yield* Effect.gen(function*() {
      const volume = yield* Volume.Volume
      for (let chapter = 0; chapter < WARM_UP_CHAPTERS; chapter++) {
        yield* volume.writeChapter(chapter, chapterRecords[chapter]!)
      }
    }).pipe(
      Effect.provide(Volume.layer({ geometry, nonce: BENCH_NONCE }).pipe(
        Layer.provide(BlockDevice.layerMemory({ size: geometry.bytesPerVolume }))
      ))
    )
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
