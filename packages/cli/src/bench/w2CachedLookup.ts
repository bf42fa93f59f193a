// W2: lookups one at a time with every page of the volume cached.
import type { Geometry } from "@effect-uds/volume"
import { Effect } from "effect"
import { now, openVolume, progress, settleHeap } from "./benchVolume.js"
import { cursor, type LookupResult, lookupRange, pagesRead } from "./lookupRun.js"
import type { Queries } from "./queries.js"

/**
 * Opens the volume at `file` with a cache holding every page, warms the cache
 * with one pass over every page, then times `queries` looked up one at a time.
 */
export const w2CachedLookup = (
  file: string,
  geometry: Geometry.Geometry,
  queries: Queries
): Effect.Effect<LookupResult, Error> =>
  Effect.scoped(Effect.gen(function*() {
    const cacheChapters = Math.ceil(geometry.pagesPerVolume / geometry.recordPagesPerChapter)
    const volume = yield* openVolume(file, geometry, { cacheChapters })
    yield* progress(`W2: warming a cache of ${cacheChapters} chapters`)
    for (let chapter = 0; chapter < geometry.chaptersPerVolume; chapter++) {
      for (let page = 0; page < geometry.pagesPerChapter; page++) yield* volume.getPage(chapter, page)
    }
    yield* settleHeap
    yield* progress(`W2: ${queries.count} lookups one at a time`)
    const readsBefore = yield* pagesRead(volume)
    const start = now()
    const wrong = yield* lookupRange(volume, queries, new Uint8Array(16), cursor(queries.count))
    const elapsed = now() - start
    const reads = (yield* pagesRead(volume)) - readsBefore
    yield* progress(`W2: ${queries.count} lookups in ${elapsed.toFixed(1)} ms, ${wrong} wrong`)
    return { lookupsPerSecond: queries.count / (elapsed / 1000), wrong, pageReadsPerLookup: reads / queries.count }
  })).pipe(Effect.mapError((error) => new Error(`W2 failed: ${error.message}`)))
