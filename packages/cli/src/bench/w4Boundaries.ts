// W4: findChapterBoundaries on a wrapped volume of 1024 small chapters.
import { Geometry } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Effect } from "effect"
import * as fs from "node:fs"
import { CheckFailed } from "../CliError.js"
import { now, openVolume, progress, settleHeap } from "./benchVolume.js"

/** Calls timed; the figure is their median. */
export const CALLS = 20
/** Calls made first and not timed, so the figure is not JIT compile time. */
const WARM_UP_CALLS = 200
/** Virtual chapters written: 0 .. 1499, wrapping a volume of 1024. */
const WRITTEN = 1500

/** What W4 measured. */
export interface W4Result {
  readonly msPerCall: number
  readonly pageReadsPerCall: number
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * Writes virtual chapters 0 .. 1499 to a volume of 1024 chapters of 2 record
 * pages at `file` (unless the file exists: an earlier run wrote it), then
 * opens it afresh 220 times and makes one `findChapterBoundaries` call on
 * each, checking it finds 476 .. 1499; the last 20 calls are timed (the
 * first 200 warm up the JIT).
 */
export const w4Boundaries = (file: string, syncReads: boolean): Effect.Effect<W4Result, Error> =>
  Effect.gen(function*() {
    const geometry = yield* Effect.orDie(
      Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume: 1024 })
    )
    if (!fs.existsSync(file)) {
      yield* progress(`W4: writing virtual chapters 0..${WRITTEN - 1}`)
      yield* Effect.scoped(Effect.gen(function*() {
        const volume = yield* openVolume(file, geometry)
        const records = RecordGenerator.chapters(geometry, 1, 0, WRITTEN - 1)
        for (let chapter = 0; chapter < WRITTEN; chapter++) yield* volume.writeChapter(chapter, records[chapter]!)
      }))
    }
    yield* settleHeap
    const times: Array<number> = []
    const reads: Array<number> = []
    yield* progress(
      `W4: ${WARM_UP_CALLS} untimed, then ${CALLS} timed calls, each on a freshly opened volume` +
        (syncReads ? " (syncReads)" : "")
    )
    for (let call = -WARM_UP_CALLS; call < CALLS; call++) {
      yield* Effect.scoped(Effect.gen(function*() {
        const volume = yield* openVolume(file, geometry, { syncReads })
        const start = now()
        const found = yield* volume.findChapterBoundaries
        if (call >= 0) {
          times.push(now() - start)
          reads.push((yield* volume.stats).pagesRead)
        }
        const expectedLowest = WRITTEN - geometry.chaptersPerVolume
        if (found.isEmpty || found.lowest !== expectedLowest || found.highest !== WRITTEN - 1) {
          return yield* new CheckFailed({
            message: `found ${found.lowest}..${found.highest}, expected ${expectedLowest}..${WRITTEN - 1}`
          })
        }
      }))
    }
    return { msPerCall: median(times), pageReadsPerCall: median(reads) }
  }).pipe(Effect.mapError((error) =>
    // A wrong answer stays a CheckFailed (exit 1); anything else is a failure to run (exit 3).
    error instanceof CheckFailed
      ? new CheckFailed({ message: `W4 failed: ${error.message}` })
      : new Error(`W4 failed: ${error.message}`)
  ))
