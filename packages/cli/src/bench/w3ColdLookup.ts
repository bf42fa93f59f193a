// W3: lookups on a cold volume with a small cache, many in flight.
import type { Geometry } from "@effect-uds/volume"
import { Effect } from "effect"
import { now, openVolume, progress, settleHeap } from "./benchVolume.js"
import { cursor, type LookupResult, lookupRange, pagesRead } from "./lookupRun.js"
import type { Queries } from "./queries.js"

/** Lookups in flight at once. */
export const IN_FLIGHT = 256

/**
 * Opens the volume at `file` afresh (cache of 7 chapters, 2 reader fibers,
 * the file device's `syncReads` as given) and times `queries` taken in order
 * by 256 fibers, so up to 256 lookups are in flight.
 */
export const w3ColdLookup = (
  file: string,
  geometry: Geometry.Geometry,
  queries: Queries,
  syncReads: boolean
): Effect.Effect<LookupResult, Error> =>
  Effect.scoped(Effect.gen(function*() {
    yield* settleHeap
    const volume = yield* openVolume(file, geometry, { cacheChapters: 7, readThreads: 2, syncReads })
    yield* progress(
      `W3: ${queries.count} lookups, ${IN_FLIGHT} in flight, cold cache of 7 chapters${syncReads ? " (syncReads)" : ""}`
    )
    const readsBefore = yield* pagesRead(volume)
    const next = cursor(queries.count)
    const start = now()
    const wrongs = yield* Effect.all(
      Array.from({ length: IN_FLIGHT }, () => lookupRange(volume, queries, new Uint8Array(16), next)),
      { concurrency: "unbounded" }
    )
    const elapsed = now() - start
    const reads = (yield* pagesRead(volume)) - readsBefore
    const wrong = wrongs.reduce((sum, n) => sum + n, 0)
    yield* progress(`W3: ${queries.count} lookups in ${elapsed.toFixed(1)} ms, ${wrong} wrong, ${reads} page reads`)
    return { lookupsPerSecond: queries.count / (elapsed / 1000), wrong, pageReadsPerLookup: reads / queries.count }
  })).pipe(Effect.mapError((error) => new Error(`W3 failed: ${error.message}`)))
