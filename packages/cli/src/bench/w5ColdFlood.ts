// W5: a flood of lookups on a cold volume (issue 14, item 1): 20 chapters of
// 256 record pages reopened over a plain user device whose reads take 1 ms,
// a one-chapter cache, and one lookup per record page, all at once.
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Context, Effect, Layer, Option } from "effect"
import { BENCH_NONCE, now, progress, settleHeap } from "./benchVolume.js"

/** Chapters on the W5 volume; one lookup per record page of each. */
const CHAPTERS = 20

/** What W5 measured. */
export interface W5Result {
  readonly lookupsPerSecond: number
  readonly wallMs: number
  readonly lookups: number
  readonly wrong: number
  readonly pageReadsPerLookup: number
  readonly cacheMissesPerLookup: number
}

/**
 * A user's device over `bytes` with only the four members a user writes:
 * each read sleeps `readMs` and returns a copy.
 */
const userDevice = (bytes: Uint8Array, readMs: number) =>
  Layer.succeed(BlockDevice.BlockDevice, {
    size: bytes.length,
    read: (offset: number, length: number) =>
      Effect.as(Effect.sleep(readMs), bytes.slice(offset, offset + length)),
    write: (offset: number, data: Uint8Array) => Effect.sync(() => bytes.set(data, offset)),
    flush: Effect.void
  })

const openOver = (bytes: Uint8Array, geometry: Geometry.Geometry, readMs: number) =>
  Layer.build(
    Volume.layer({ geometry, nonce: BENCH_NONCE, cacheChapters: 1, readThreads: 2 }).pipe(
      Layer.provide(userDevice(bytes, readMs))
    )
  ).pipe(Effect.map((context) => Context.get(context, Volume.Volume)))

/**
 * Writes the volume in memory, reopens it over a user device with 1 ms reads
 * (`cacheChapters: 1`, `readThreads: 2`), and times 5,120 lookups started at
 * once (record 0 of every record page), checking every answer.
 */
export const w5ColdFlood = (readMs = 1): Effect.Effect<W5Result, Error> =>
  Effect.gen(function*() {
    const geometry = yield* Effect.orDie(
      Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 256, chaptersPerVolume: CHAPTERS })
    )
    yield* progress(`W5: writing ${CHAPTERS} chapters of ${geometry.recordPagesPerChapter} record pages (untimed)`)
    const bytes = new Uint8Array(geometry.bytesPerVolume)
    const chapters = RecordGenerator.chapters(geometry, 1, 0, CHAPTERS - 1)
    yield* Effect.scoped(Effect.gen(function*() {
      const volume = yield* openOver(bytes, geometry, 0)
      for (let chapter = 0; chapter < CHAPTERS; chapter++) yield* volume.writeChapter(chapter, chapters[chapter]!)
    }))
    const queries = chapters.flatMap((records, chapter) =>
      Array.from({ length: geometry.recordPagesPerChapter }, (_, page) => {
        const at = page * geometry.recordsPerPage * 32
        return { chapter, name: records.subarray(at, at + 16), data: records.subarray(at + 16, at + 32) }
      })
    )
    yield* settleHeap
    yield* progress(`W5: ${queries.length} lookups at once on the reopened volume, ${readMs} ms per device read`)
    return yield* Effect.scoped(Effect.gen(function*() {
      const volume = yield* openOver(bytes, geometry, readMs)
      const start = now()
      const cpuStart = process.cpuUsage()
      const answers = yield* Effect.forEach(queries, (query) => volume.lookup(query.name, query.chapter), {
        concurrency: "unbounded"
      })
      const wallMs = now() - start
      const cpu = process.cpuUsage(cpuStart)
      const wrong = answers.filter((answer, i) =>
        Option.isNone(answer) || Buffer.compare(answer.value, queries[i]!.data) !== 0
      ).length
      const stats = yield* volume.stats
      yield* progress(
        `W5: ${queries.length} lookups in ${wallMs.toFixed(0)} ms (${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU), ` +
          `${stats.cacheMisses} cache misses, ${stats.pagesRead} page reads`
      )
      return {
        lookupsPerSecond: queries.length / (wallMs / 1000),
        wallMs,
        lookups: queries.length,
        wrong,
        pageReadsPerLookup: stats.pagesRead / queries.length,
        cacheMissesPerLookup: stats.cacheMisses / queries.length
      }
    }))
  }).pipe(Effect.mapError((error) => new Error(`W5 failed: ${error.message}`)))

/** The W5 line in the JSON format of the other workloads' lines. */
export const w5JsonLine = (result: W5Result): string =>
  JSON.stringify({
    workload: "W5",
    metric: "lookups_per_s",
    value: Number(result.lookupsPerSecond.toPrecision(6)),
    wrong: result.wrong,
    pageReadsPerLookup: Number(result.pageReadsPerLookup.toPrecision(6)),
    wallMs: Number(result.wallMs.toPrecision(6))
  })

/** The W5 row of the table: there is no reference figure, the goal is under 2 s of wall time. */
export const w5Row = (result: W5Result): string =>
  `W5 cold flood  ${(result.lookupsPerSecond / 1e3).toFixed(1)} k lookups/s  ` +
  `${result.lookups} at once in ${result.wallMs.toFixed(0)} ms (goal: under 2000 ms), ${result.wrong} wrong, ` +
  `${result.pageReadsPerLookup.toFixed(3)} page reads/lookup, ${result.cacheMissesPerLookup.toFixed(2)} cache misses/lookup`
