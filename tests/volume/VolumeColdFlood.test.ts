// Many lookups at once on a cold volume (issue 14, item 1): the work per
// lookup must not grow with how many wait. Counted, not timed: one learner
// per chapter map, one read per page however many wait for it, and no
// re-read of a page a waiter was handed.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { BlockDevice, Volume } from "@effect-uds/volume"
import { chapterRecords, memoryVolume, multiIndexGeometry, NONCE, recordAt, writeChapters } from "../support/volumes.js"

const geometry = multiIndexGeometry

/** A user's device over `bytes` with only the four members, whose reads take a millisecond. */
const slowUserDevice = (bytes: Uint8Array) =>
  Layer.succeed(BlockDevice.BlockDevice, {
    size: bytes.length,
    read: (offset: number, length: number) => Effect.as(Effect.sleep("1 millis"), bytes.slice(offset, offset + length)),
    write: (offset: number, data: Uint8Array) => Effect.sync(() => bytes.set(data, offset)),
    flush: Effect.void
  })

describe("Volume cold flood", () => {
  it.scopedLive("one lookup per record page, all at once, reads each page once and misses the cache about twice per lookup", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const chapters = geometry.chaptersPerVolume
      yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, chapters - 1), memoryVolume(geometry, bytes)))
      const context = yield* Layer.build(
        Volume.layer({ geometry, nonce: NONCE, cacheChapters: 1, readThreads: 2 }).pipe(Layer.provide(slowUserDevice(bytes)))
      )
      const volume = Context.get(context, Volume.Volume)
      const queries = Array.from({ length: chapters * geometry.recordPagesPerChapter }, (_, i) => {
        const chapter = i % chapters
        const page = Math.floor(i / chapters)
        return { chapter, ...recordAt(chapterRecords(geometry, chapter), page * geometry.recordsPerPage + (i % 7)) }
      })
      const answers = yield* Effect.forEach(queries, (query) => volume.lookup(query.name, query.chapter), {
        concurrency: "unbounded"
      })
      answers.forEach((answer, i) =>
        assert.isTrue(Option.isSome(answer) && Buffer.from(answer.value).equals(queries[i]!.data), `lookup ${i}`)
      )
      const stats = yield* volume.stats
      const pages = chapters * geometry.pagesPerChapter
      assert.strictEqual(stats.pagesRead, pages, "each page of the volume read once")
      assert.isAtMost(stats.cacheMisses / queries.length, 2.5, "cache misses per lookup")
    }))
})
