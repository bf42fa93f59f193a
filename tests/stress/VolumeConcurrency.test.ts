// Concurrency: lookups racing chapter rewrites, more pages wanted than the read
// queue holds, and a failed read shared by its waiters. Names repeat across
// chapters (dedupChapter), so an answer from the wrong chapter is caught; loops
// give the event loop a turn so vitest's worker stays responsive.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { NONCE, recordAt } from "../support/volumes.js"
import { dedupChapter, isShared, yieldToEventLoop } from "./dedupRecords.js"

// Generous: the suite must pass on a loaded 2-core machine.
const STRESS_TIMEOUT = 300_000

const chapterRecords = dedupChapter

/** Writes virtual chapters first..last, forgetting each chapter before it is overwritten. */
const writeChapters = (geometry: Geometry.Geometry, first: number, last: number) =>
  Effect.gen(function*() {
    const volume = yield* Volume.Volume
    for (let chapter = first; chapter <= last; chapter++) {
      if (chapter >= geometry.chaptersPerVolume) yield* volume.forgetChapter(chapter - geometry.chaptersPerVolume)
      yield* volume.writeChapter(chapter, chapterRecords(geometry, chapter))
      yield* yieldToEventLoop
    }
  })

// A volume over a memory device wrapped in the fault injector; both services in the context.
const faultyVolume = (geometry: Geometry.Geometry, bytes: Uint8Array, cacheChapters: number) =>
  Volume.layer({ geometry, nonce: NONCE, cacheChapters }).pipe(
    Layer.provideMerge(BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ bytes }))))
  )

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

describe("Volume under concurrency", () => {
  it.scopedLive("thousands of lookups through a tiny cache, while chapters are forgotten and rewritten, give no wrong answer", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 4, chaptersPerVolume: 16 })
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const context = yield* Layer.build(faultyVolume(geometry, bytes, 1))
      const volume = Context.get(context, Volume.Volume)
      yield* writeChapters(geometry, 0, 15).pipe(Effect.provide(context))
      yield* Context.get(context, BlockDevice.FaultControl).delay({ operation: "read", duration: "1 millis" })

      // Chapters 0..7 are replaced by 16..23 meanwhile; chapters 8..15 stay and must always be found.
      const rewrite = writeChapters(geometry, 16, 23).pipe(Effect.provide(context))
      let wrong = 0
      let stableFound = 0
      let sharedFound = 0
      const lookups = Effect.forEach(Array.from({ length: 3000 }, (_, i) => i), (i) => {
        const vcn = (i * 7) % 24
        // Every other lookup asks for a name that every chapter holds, with other data.
        const record = i % 2 === 0 ? ((i * 131) % 32) * 4 : (i * 131) % geometry.recordsPerChapter
        const { data, name } = recordAt(chapterRecords(geometry, vcn), record)
        const lookup = volume.lookup(name, vcn).pipe(Effect.map((found) => {
          if (Option.isSome(found) && !sameBytes(found.value, data)) wrong++
          if (Option.isSome(found) && sameBytes(found.value, data) && isShared(geometry, record)) sharedFound++
          if (vcn >= 8 && vcn <= 15) {
            if (Option.isNone(found)) wrong++
            else stableFound++
          }
        }))
        return i % 16 === 0 ? Effect.zipRight(yieldToEventLoop, lookup) : lookup
        // 256 at a time: thousands started at once would hold the event loop while they start.
      }, { concurrency: 256, discard: true })
      yield* Effect.all([lookups, rewrite], { concurrency: 2 })
      assert.strictEqual(wrong, 0)
      assert.isAbove(stableFound, 0)
      assert.isAbove(sharedFound, 0)
      // Afterwards every rewritten chapter answers from its new records.
      for (let vcn = 16; vcn <= 23; vcn++) {
        const { data, name } = recordAt(chapterRecords(geometry, vcn), 9)
        assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, vcn)), data.slice())
        // A name every chapter holds answers with this chapter's data, and the old chapter's is gone.
        const shared = recordAt(chapterRecords(geometry, vcn), 8)
        assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(shared.name, vcn)), shared.data.slice())
        assert.isTrue(Option.isNone(yield* volume.lookup(shared.name, vcn - 16)), `chapter ${vcn - 16} is gone`)
      }
    }), STRESS_TIMEOUT)

  it.scopedLive("more distinct pages wanted at once than the read queue holds all complete (backpressure, not loss)", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 128, chaptersPerVolume: 40 })
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const context = yield* Layer.build(faultyVolume(geometry, bytes, 1))
      const volume = Context.get(context, Volume.Volume)
      yield* writeChapters(geometry, 0, 39).pipe(Effect.provide(context))
      yield* Effect.forEach(Array.from({ length: 40 }, (_, vcn) => vcn), volume.forgetChapter)
      yield* Context.get(context, BlockDevice.FaultControl).delay({ operation: "read", duration: "1 millis" })

      // One record from every record page of every chapter: 5120 distinct record pages.
      const wanted = Array.from({ length: 40 * 128 }, (_, i) => {
        const vcn = Math.floor(i / 128)
        return { vcn, ...recordAt(chapterRecords(geometry, vcn), (i % 128) * geometry.recordsPerPage) }
      })
      const results = yield* Effect.forEach(wanted, ({ name, vcn }) => volume.lookup(name, vcn), {
        concurrency: "unbounded"
      })
      results.forEach((found, i) => assert.isTrue(sameBytes(Option.getOrThrow(found), wanted[i]!.data), `lookup ${i}`))
      const stats = yield* volume.stats
      assert.isAbove(stats.queueFullWaits, 0)
      assert.isAtLeast(stats.pagesRead, 40 * 128)
    }), STRESS_TIMEOUT)

  it.scopedLive("a failed read fails exactly the lookups that wanted that page, and the page reads fine afterwards", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 4, chaptersPerVolume: 4 })
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const context = yield* Layer.build(faultyVolume(geometry, bytes, 4))
      const volume = Context.get(context, Volume.Volume)
      const control = Context.get(context, BlockDevice.FaultControl)
      yield* writeChapters(geometry, 0, 0).pipe(Effect.provide(context))
      yield* volume.forgetChapter(0)
      const records = chapterRecords(geometry, 0)
      // Warm the index page so only record pages are read below.
      yield* volume.lookup(recordAt(records, 0).name, 0)

      // Record page 2 of chapter 0 fails once; all its readers must share that failure.
      const failingPage = 1 + geometry.indexPagesPerChapter + 2
      const start = failingPage * geometry.bytesPerPage
      yield* control.delay({ operation: "read", duration: "5 millis" })
      yield* control.fail({ operation: "read", times: 1, when: BlockDevice.overlaps(start, start + geometry.bytesPerPage) })
      const all = Array.from({ length: geometry.recordsPerChapter }, (_, i) => i)
      const outcomes = yield* Effect.forEach(all, (i) => Effect.either(volume.lookup(recordAt(records, i).name, 0)), {
        concurrency: "unbounded"
      })
      outcomes.forEach((outcome, i) => {
        const onFailingPage = Math.floor(i / geometry.recordsPerPage) === 2
        if (onFailingPage) {
          assert.isTrue(Either.isLeft(outcome) && outcome.left._tag === "IoError", `record ${i} fails with IoError`)
        } else {
          assert.isTrue(Either.isRight(outcome) && Option.isSome(outcome.right), `record ${i} is found`)
        }
      })
      assert.strictEqual((yield* volume.stats).readFailures, 1)
      const retried = yield* volume.lookup(recordAt(records, 2 * geometry.recordsPerPage).name, 0)
      assert.deepStrictEqual(Option.getOrThrow(retried), recordAt(records, 2 * geometry.recordsPerPage).data.slice())
    }), STRESS_TIMEOUT)
})
