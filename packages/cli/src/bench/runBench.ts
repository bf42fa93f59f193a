/**
 * The benchmark of BENCHMARKS.md: W1 (chapter writes), W2 (cached lookups),
 * W3 (cold lookups, 256 in flight) and W4 (chapter boundaries), on volume
 * files in a temp directory removed afterwards; then W5 (a cold flood) and
 * V1 (the volume index in memory, v1VolumeIndex.ts). Progress goes to
 * stderr; the figures go to stdout as a table, or as one JSON object per
 * line, beside the reference's figures scaled by the machine score of the
 * day (calibrate.mjs, run first).
 *
 * W1 writes to the device and W3 and W4 read from it, so they run twice:
 * with the file device's default options (the headline figure: what a user
 * gets) and with its opt-in `syncWrites` or `syncReads` (I/O always on the
 * calling thread; the flush stays asynchronous).
 */
import { Console, Effect } from "effect"
import * as path from "node:path"
import { progress, tempDirectory } from "./benchVolume.js"
import type { LookupResult } from "./lookupRun.js"
import { machineScore, scoreText } from "./machineScore.js"
import { makeQueries } from "./queries.js"
import { type Figure, jsonLine, type Line, table } from "./report.js"
import { w1Chapters, w1Write } from "./w1Write.js"
import { w2CachedLookup } from "./w2CachedLookup.js"
import { w3ColdLookup, type W3Result } from "./w3ColdLookup.js"
import { v1JsonLine, v1Text, v1VolumeIndex } from "./v1VolumeIndex.js"
import { CALLS, w4Boundaries, type W4Result } from "./w4Boundaries.js"
import { w5ColdFlood, w5JsonLine, w5Row } from "./w5ColdFlood.js"

/** The parts of the benchmark that can be run alone. */
export type Part = "W1" | "W2" | "W3" | "W4" | "W5" | "V1"

/** Every part, in the order they run. */
export const PARTS: ReadonlyArray<Part> = ["W1", "W2", "W3", "W4", "W5", "V1"]

/** Options of a benchmark run. */
export interface BenchOptions {
  /** One JSON object per line on stdout instead of the table. */
  readonly json: boolean
  /** Run only these parts (default: all). W2 and W3 need W1's volume, which is then written untimed. */
  readonly only?: ReadonlyArray<Part>
}

/** Lookups in each of W2 and W3. */
export const LOOKUPS = 1_000_000

const lookupFigure = (result: LookupResult, what: string): Figure => ({
  value: result.lookupsPerSecond,
  wrong: result.wrong,
  pageReadsPerLookup: result.pageReadsPerLookup,
  note: `${what}${result.wrong} wrong, ${result.pageReadsPerLookup.toFixed(3)} page reads/lookup`
})

const coldFigure = (result: W3Result): Figure => ({
  ...lookupFigure(result, ""),
  worstTimerGapMs: result.worstTimerGapMs
})

const boundariesFigure = (result: W4Result): Figure => ({
  value: result.msPerCall,
  note: `median of ${CALLS}, ${result.pageReadsPerCall} page reads/call`
})

const W1_NOTE = "64 chapters, one flush per chapter"

/** Runs the benchmark workloads W1–W4, W5 (a cold flood of lookups) and V1, and prints their figures. */
export const runBench = (options: BenchOptions): Effect.Effect<void, Error> =>
  Effect.scoped(Effect.gen(function*() {
    const runs = (part: Part) => options.only === undefined || options.only.includes(part)
    yield* progress("measuring the machine score (calibrate.mjs, about 5 s)")
    const score = yield* machineScore
    yield* progress(scoreText(score))
    const directory = yield* tempDirectory
    const volumeFile = path.join(directory, "lookup.volume")
    const boundariesFile = path.join(directory, "boundaries.volume")
    const lines: Array<Line> = []
    if (runs("W1") || runs("W2") || runs("W3")) {
      const chapters = yield* w1Chapters
      const { geometry } = chapters
      if (runs("W1")) {
        const w1 = yield* w1Write(path.join(directory, "write.volume"), chapters, false)
        const w1SyncWrites = yield* w1Write(volumeFile, chapters, true)
        lines.push({
          workload: "W1",
          metric: "records_per_s",
          figure: { value: w1, note: W1_NOTE },
          optIn: { option: "syncWrites", figure: { value: w1SyncWrites, note: W1_NOTE } }
        })
      } else {
        yield* w1Write(volumeFile, chapters, true)
      }
      if (runs("W2") || runs("W3")) {
        yield* progress(`W2/W3: preparing ${LOOKUPS} queries`)
        const queries = makeQueries(geometry, chapters.chapterRecords, LOOKUPS)
        if (runs("W2")) {
          const w2 = yield* w2CachedLookup(volumeFile, geometry, queries)
          lines.push({ workload: "W2", metric: "lookups_per_s", figure: lookupFigure(w2, "") })
        }
        if (runs("W3")) {
          const w3 = yield* w3ColdLookup(volumeFile, geometry, queries, false)
          const w3SyncReads = yield* w3ColdLookup(volumeFile, geometry, queries, true)
          lines.push({
            workload: "W3",
            metric: "lookups_per_s",
            figure: coldFigure(w3),
            optIn: { option: "syncReads", figure: coldFigure(w3SyncReads) }
          })
        }
      }
    }
    if (runs("W4")) {
      const w4 = yield* w4Boundaries(boundariesFile, false)
      const w4SyncReads = yield* w4Boundaries(boundariesFile, true)
      lines.push({
        workload: "W4",
        metric: "ms_per_call",
        figure: boundariesFigure(w4),
        optIn: { option: "syncReads", figure: boundariesFigure(w4SyncReads) }
      })
    }
    const w5 = runs("W5") ? yield* w5ColdFlood() : undefined
    const v1 = runs("V1") ? yield* v1VolumeIndex() : undefined
    if (options.json) {
      for (const line of lines) yield* Console.log(jsonLine(line, score))
      if (w5 !== undefined) yield* Console.log(w5JsonLine(w5))
      if (v1 !== undefined) yield* Console.log(v1JsonLine(v1))
    } else {
      yield* Console.log(scoreText(score))
      if (lines.length > 0) yield* Console.log(table(lines, score))
      if (w5 !== undefined) yield* Console.log(`\n${w5Row(w5)}`)
      if (v1 !== undefined) yield* Console.log(v1Text(v1))
    }
  }))
