// What W2 and W3 share: one checked lookup, the page read counter.
import type { Volume, VolumeError } from "@effect-uds/volume"
import { Effect, Option } from "effect"
import { isRight, type Queries } from "./queries.js"

/** What a lookup workload measured. */
export interface LookupResult {
  readonly lookupsPerSecond: number
  readonly wrong: number
  readonly pageReadsPerLookup: number
}

/**
 * Runs queries from..to−1 one after another through `name` (a 16-byte
 * buffer the caller owns meanwhile), returning how many answers were wrong.
 */
export const lookupRange = (
  volume: Volume.Service,
  queries: Queries,
  name: Uint8Array,
  next: () => number
): Effect.Effect<number, VolumeError.VolumeError> =>
  Effect.gen(function*() {
    const { chapters, names } = queries
    let wrong = 0
    for (let i = next(); i >= 0; i = next()) {
      for (let b = 0; b < 16; b++) name[b] = names[i * 16 + b]!
      const answer = yield* volume.lookup(name, chapters[i]!)
      if (!isRight(queries, i, Option.getOrUndefined(answer))) wrong++
    }
    return wrong
  })

/** A shared cursor over 0 .. count − 1: each call takes the next query, -1 when none is left. */
export const cursor = (count: number): () => number => {
  let taken = 0
  return () => (taken < count ? taken++ : -1)
}

/** The page reads the volume has done so far. */
export const pagesRead = (volume: Volume.Service): Effect.Effect<number> =>
  Effect.map(volume.stats, (stats) => stats.pagesRead)
