/**
 * The benchmark of BENCHMARKS.md: W1 (chapter writes), W2 (cached lookups),
 * W3 (cold lookups, 256 in flight) and W4 (chapter boundaries), on volume
 * files in a temp directory removed afterwards. Progress goes to stderr; the
 * figures go to stdout as a table, or as one JSON object per line.
 */
import { Console, Effect } from "effect"
import * as path from "node:path"
import { progress, tempDirectory } from "./benchVolume.js"
import { makeQueries } from "./queries.js"
import { jsonLine, type Line, REFERENCE, table } from "./report.js"
import { w1Write } from "./w1Write.js"
import { w2CachedLookup } from "./w2CachedLookup.js"
import { w3ColdLookup } from "./w3ColdLookup.js"
import { w4Boundaries } from "./w4Boundaries.js"

/** Options of a benchmark run. */
export interface BenchOptions {
  /** One JSON object per line on stdout instead of the table. */
  readonly json: boolean
}

/** Lookups in each of W2 and W3. */
export const LOOKUPS = 1_000_000

/** Runs the benchmark workloads W1–W4 and prints their figures. */
export const runBench = (options: BenchOptions): Effect.Effect<void, Error> =>
  Effect.scoped(Effect.gen(function*() {
    const directory = yield* tempDirectory
    const volumeFile = path.join(directory, "lookup.volume")
    const w1 = yield* w1Write(volumeFile)
    yield* progress(`W2/W3: preparing ${LOOKUPS} queries`)
    const queries = makeQueries(w1.geometry, w1.chapterRecords, LOOKUPS)
    const w2 = yield* w2CachedLookup(volumeFile, w1.geometry, queries)
    const w3 = yield* w3ColdLookup(volumeFile, w1.geometry, queries, true)
    const w4 = yield* w4Boundaries(path.join(directory, "boundaries.volume"), true)
    const lookupNote = (result: typeof w2) =>
      `${result.wrong} wrong, ${result.pageReadsPerLookup.toFixed(3)} page reads/lookup`
    const lines: ReadonlyArray<Line> = [
      { workload: "W1", metric: "records_per_s", value: w1.recordsPerSecond, reference: REFERENCE.W1, note: "one flush per chapter" },
      {
        workload: "W2", metric: "lookups_per_s", value: w2.lookupsPerSecond, reference: REFERENCE.W2,
        extra: { wrong: w2.wrong, pageReadsPerLookup: w2.pageReadsPerLookup }, note: lookupNote(w2)
      },
      {
        workload: "W3", metric: "lookups_per_s", value: w3.lookupsPerSecond, reference: REFERENCE.W3,
        extra: { wrong: w3.wrong, pageReadsPerLookup: w3.pageReadsPerLookup }, note: lookupNote(w3)
      },
      {
        workload: "W4", metric: "ms_per_call", value: w4.msPerCall, reference: REFERENCE.W4,
        note: `median of 20, ${w4.pageReadsPerCall} page reads/call`
      }
    ]
    if (options.json) {
      for (const line of lines) yield* Console.log(jsonLine(line))
    } else {
      yield* Console.log(table(lines))
    }
  }))
