// W3: lookups on a cold volume with a small cache, many in flight.
import type { Geometry } from "@effect-uds/volume"
import { Effect } from "effect"
import { now, openVolume, progress, settleHeap } from "./benchVolume.js"
import { cursor, type LookupResult, lookupRange, pagesRead } from "./lookupRun.js"
import type { Queries } from "./queries.js"
import { withTimerGap } from "./timerGap.js"

/** Lookups in flight at once. */
export const IN_FLIGHT = 256

/** What W3 measured: the lookups, and the worst gap of a 1 ms timer fiber running beside them. */
export interface W3Result extends LookupResult {
  readonly worstTimerGapMs: number
}

/**
 * Opens the volume at `file` afresh (cache of 7 chapters, 2 reader fibers,
 * the file device's default adaptive reads, or `syncReads: true`) and times
 * `queries` taken in order by 256 fibers, so up to 256 lookups are in
 * flight, with a fiber ticking every 1 ms beside them.
 */
export const w3ColdLookup = (
  file: string,
  geometry: Geometry.Geometry,
  queries: Queries,
  syncReads: boolean
): Effect.Effect<W3Result, Error> =>
  Effect.scoped(Effect.gen(function*() {
    yield* settleHeap
    const volume = yield* openVolume(file, geometry, { cacheChapters: 7, readThreads: 2, syncReads })
    yield* progress(
      `W3: ${queries.count} lookups, ${IN_FLIGHT} in flight, cold cache of 7 chapters${syncReads ? " (syncReads)" : ""}`
    )
    const readsBefore = yield* pagesRead(volume)
    const next = cursor(queries.count)
    const start = now()
    const { result: wrongs, worstGapMs } = yield* withTimerGap(Effect.all(
      Array.from({ length: IN_FLIGHT }, () => lookupRange(volume, queries, new Uint8Array(16), next)),
      { concurrency: "unbounded" }
    ))
    const elapsed = now() - start
    const reads = (yield* pagesRead(volume)) - readsBefore
    const wrong = wrongs.reduce((sum, n) => sum + n, 0)
    yield* progress(
      `W3: ${queries.count} lookups in ${elapsed.toFixed(1)} ms, ${wrong} wrong, ${reads} page reads, ` +
        `worst 1 ms timer gap ${worstGapMs.toFixed(1)} ms`
    )
    return {
      lookupsPerSecond: queries.count / (elapsed / 1000),
      wrong,
      pageReadsPerLookup: reads / queries.count,
      worstTimerGapMs: worstGapMs
    }
  })).pipe(Effect.mapError((error) => new Error(`W3 failed: ${error.message}`)))
