/**
 * The benchmark of BENCHMARKS.md: W1 (chapter writes), W2 (cached lookups),
 * W3 (cold lookups, 256 in flight) and W4 (chapter boundaries), on volume
 * files in a temp directory removed afterwards; then V1 (the volume index
 * in memory, v1VolumeIndex.ts). Progress goes to stderr; the
 * figures go to stdout as a table, or as one JSON object per line.
 *
 * W1 writes to the device and W3 and W4 read from it, so they run twice:
 * with the file device's `syncWrites` or `syncReads` option (I/O on the
 * calling thread, the headline figure: the reference's threads do their I/O
 * synchronously too; the flush stays asynchronous) and with its default I/O
 * through libuv's thread pool.
 */
import { Console, Effect } from "effect"
import * as path from "node:path"
import { progress, tempDirectory } from "./benchVolume.js"
import type { LookupResult } from "./lookupRun.js"
import { makeQueries } from "./queries.js"
import { type Figure, jsonLine, type Line, table } from "./report.js"
import { w1Chapters, w1Write } from "./w1Write.js"
import { w2CachedLookup } from "./w2CachedLookup.js"
import { w3ColdLookup } from "./w3ColdLookup.js"
import { v1JsonLine, v1Text, v1VolumeIndex } from "./v1VolumeIndex.js"
import { CALLS, w4Boundaries, type W4Result } from "./w4Boundaries.js"

/** Options of a benchmark run. */
export interface BenchOptions {
  /** One JSON object per line on stdout instead of the table. */
  readonly json: boolean
}

/** Lookups in each of W2 and W3. */
export const LOOKUPS = 1_000_000

const lookupFigure = (result: LookupResult, what: string): Figure => ({
  value: result.lookupsPerSecond,
  wrong: result.wrong,
  pageReadsPerLookup: result.pageReadsPerLookup,
  note: `${what}${result.wrong} wrong, ${result.pageReadsPerLookup.toFixed(3)} page reads/lookup`
})

const boundariesFigure = (result: W4Result): Figure => ({
  value: result.msPerCall,
  note: `median of ${CALLS}, ${result.pageReadsPerCall} page reads/call`
})

/** Runs the benchmark workloads W1–W4 and prints their figures. */
export const runBench = (options: BenchOptions): Effect.Effect<void, Error> =>
  Effect.scoped(Effect.gen(function*() {
    const directory = yield* tempDirectory
    const volumeFile = path.join(directory, "lookup.volume")
    const boundariesFile = path.join(directory, "boundaries.volume")
    const chapters = yield* w1Chapters
    const { geometry } = chapters
    const w1ThreadPool = yield* w1Write(path.join(directory, "write.volume"), chapters, false)
    const w1 = yield* w1Write(volumeFile, chapters, true)
    yield* progress(`W2/W3: preparing ${LOOKUPS} queries`)
    const queries = makeQueries(geometry, chapters.chapterRecords, LOOKUPS)
    const w2 = yield* w2CachedLookup(volumeFile, geometry, queries)
    const w3 = yield* w3ColdLookup(volumeFile, geometry, queries, true)
    const w3ThreadPool = yield* w3ColdLookup(volumeFile, geometry, queries, false)
    const w4 = yield* w4Boundaries(boundariesFile, true)
    const w4ThreadPool = yield* w4Boundaries(boundariesFile, false)
    const lines: ReadonlyArray<Line> = [
      {
        workload: "W1",
        metric: "records_per_s",
        figure: { value: w1, note: "64 chapters, one flush per chapter" },
        threadPool: { option: "syncWrites", figure: { value: w1ThreadPool, note: "64 chapters, one flush per chapter" } }
      },
      { workload: "W2", metric: "lookups_per_s", figure: lookupFigure(w2, "") },
      {
        workload: "W3",
        metric: "lookups_per_s",
        figure: lookupFigure(w3, ""),
        threadPool: { option: "syncReads", figure: lookupFigure(w3ThreadPool, "") }
      },
      {
        workload: "W4",
        metric: "ms_per_call",
        figure: boundariesFigure(w4),
        threadPool: { option: "syncReads", figure: boundariesFigure(w4ThreadPool) }
      }
    ]
    const v1 = yield* v1VolumeIndex()
    if (options.json) {
      for (const line of lines) yield* Console.log(jsonLine(line))
      yield* Console.log(v1JsonLine(v1))
    } else {
      yield* Console.log(table(lines))
      yield* Console.log(v1Text(v1))
    }
  }))
