import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { chapterRecords, NONCE, recordAt, writeChapters } from "../support/volumes.js"

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
      const lookups = Effect.forEach(Array.from({ length: 3000 }, (_, i) => i), (i) => {
        const vcn = (i * 7) % 24
        const record = (i * 131) % geometry.recordsPerChapter
        const { data, name } = recordAt(chapterRecords(geometry, vcn), record)
        return volume.lookup(name, vcn).pipe(Effect.map((found) => {
          if (Option.isSome(found) && !sameBytes(found.value, data)) wrong++
          if (vcn >= 8 && vcn <= 15) {
            if (Option.isNone(found)) wrong++
            else stableFound++
          }
        }))
      }, { concurrency: "unbounded", discard: true })
      yield* Effect.all([lookups, rewrite], { concurrency: 2 })
      assert.strictEqual(wrong, 0)
      assert.isAbove(stableFound, 0)
      // Afterwards every rewritten chapter answers from its new records.
      for (let vcn = 16; vcn <= 23; vcn++) {
        const { data, name } = recordAt(chapterRecords(geometry, vcn), 9)
        assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, vcn)), data.slice())
      }
    }))

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
    }))

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
    }))
})
