import { assert, describe, it } from "@effect/vitest"
import { Index } from "@effect-uds/index"
import { BlockDevice } from "@effect-uds/volume"
import { Effect, Fiber, Layer, Option } from "effect"
import { saveSlots } from "../support/indexTiny.js"
import { dataOf, deviceBytes, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

const config = tinyConfig()
const PER_CHAPTER = config.geometry.recordsPerChapter

const dataValue = (result: Index.Result): number =>
  Option.isSome(result.oldData) ? new DataView(result.oldData.value.buffer).getUint32(0, true) : -1

/** How many of the first `count` names are found, each checked to hold its own data. */
const foundWithOwnData = (index: Index.Service, names: Uint8Array, count: number) =>
  Effect.gen(function*() {
    let found = 0
    for (let k = 0; k < count; k++) {
      const result = yield* index.queryNoUpdate(nameAt(names, k))
      if (result.found) {
        found++
        assert.strictEqual(dataValue(result), k)
      }
    }
    return found
  })

describe("Index session rules", () => {
  it.effect("a failed chapter write fails the next close's request and disables the index until it is reopened", () =>
    Effect.gen(function*() {
      const names = seedNames(2 * PER_CHAPTER + 10)
      const bytes = deviceBytes(config)
      const faulty = BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))
      const failure = yield* Effect.scoped(Effect.gen(function*() {
        const index = yield* Index.make(config, { open: "create" })
        const control = yield* BlockDevice.FaultControl
        // The volume region starts at byte 8192; fail every write there from now on.
        yield* control.fail({ operation: "write", when: (offset) => offset >= 8192 && offset < 8192 + config.geometry.bytesPerVolume })
        for (let k = 0; k < PER_CHAPTER; k++) yield* index.post(nameAt(names, k), dataOf(k))
        // Chapter 0's write failed in the background; the close of chapter 1 reports it.
        const failed = yield* Effect.flip(Effect.forEach(
          Array.from({ length: PER_CHAPTER + 10 }, (_, i) => PER_CHAPTER + i),
          (k) => index.post(nameAt(names, k), dataOf(k)),
          { discard: true }
        ))
        const refused = yield* Effect.flip(index.query(nameAt(names, 1)))
        yield* control.clear
        return [failed._tag, refused._tag, refused.message] as const
      })).pipe(Effect.provide(faulty))
      assert.strictEqual(failure[0], "IoError")
      assert.strictEqual(failure[1], "Disabled")
      assert.match(failure[2], /reopen/)
      // Nothing was saved over a lost chapter: reopened, it rebuilds from what the volume holds, and serves.
      assert.deepStrictEqual(saveSlots(bytes).map((slot) => slot.type), [4, 4])
      yield* withIndex(config, bytes, { open: "load" }, (index) =>
        Effect.gen(function*() {
          assert.strictEqual(index.opened, "rebuilt")
          assert.isFalse((yield* index.post(nameAt(names, 0), dataOf(0))).found)
          assert.isTrue((yield* index.post(nameAt(names, 0), dataOf(1))).found)
        }))
    }), 120_000)

  it.effect("callers interrupted while waiting corrupt nothing: every name answers with its own data or not at all", () =>
    Effect.gen(function*() {
      const count = PER_CHAPTER + 5000
      const names = seedNames(count)
      const bytes = deviceBytes(config)
      yield* withIndex(config, bytes, { open: "create" }, (index) =>
        Effect.gen(function*() {
          const fibers = yield* Effect.forEach(
            Array.from({ length: 16 }, (_, f) => f),
            (f) =>
              Effect.fork(Effect.forEach(
                Array.from({ length: Math.ceil(count / 16) }, (_, i) => f + 16 * i).filter((k) => k < count),
                (k) => index.post(nameAt(names, k), dataOf(k)),
                { discard: true }
              ))
          )
          // Let them run a while (a few of their time slices: callers of an idle zone serve their own posts), then interrupt them.
          for (let i = 0; i < 3; i++) yield* Effect.yieldNow()
          yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
          yield* index.flush
          const found = yield* foundWithOwnData(index, names, count)
          assert.isBelow(found, count, "the interruption stopped some posts")
          assert.isAbove(found, 0)
          const stats = yield* index.stats
          assert.strictEqual(stats.entriesIndexed, found, "every indexed entry is a name found")
          // Still serving.
          const fresh = nameAt(seedNames(1, 99), 0)
          assert.isFalse((yield* index.post(fresh, dataOf(1))).found)
          assert.strictEqual(dataValue(yield* index.query(fresh)), 1)
        }))
      yield* withIndex(config, bytes, { open: "loadNoRebuild" }, (index) => Effect.map(index.stats, (s) => assert.isAbove(s.entriesIndexed, 0)))
    }), 120_000)

  it.effect("callers interrupted while they wait outside a full inbox are dropped; the rest answer with their own data", () =>
    Effect.gen(function*() {
      // Far more posts at once than a zone's inbox admits (1,024), so most wait outside it.
      const count = 4000
      const names = seedNames(count, 7)
      const bytes = deviceBytes(config)
      const fillers = seedNames(PER_CHAPTER - 1, 8)
      yield* withIndex(config, bytes, { open: "create" }, (index) =>
        Effect.gen(function*() {
          // The first of the posts below fills the open chapter, so the zone's fiber is busy closing it
          // while the others arrive: they queue instead of being served by their callers.
          for (let k = 0; k < PER_CHAPTER - 1; k++) yield* index.post(nameAt(fillers, k), dataOf(k))
          const posting = yield* Effect.fork(Effect.forEach(
            Array.from({ length: count }, (_, k) => k),
            (k) => index.post(nameAt(names, k), dataOf(k)),
            { concurrency: "unbounded", discard: true }
          ))
          for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
          yield* Fiber.interrupt(posting)
          // Completes only when no dropped request is still counted in flight.
          yield* index.flush
          const found = yield* foundWithOwnData(index, names, count)
          assert.isBelow(found, count, "the interrupted callers' posts were dropped")
          assert.isAbove(found, 0)
          assert.strictEqual((yield* index.stats).entriesIndexed, found + PER_CHAPTER - 1)
          const fresh = nameAt(seedNames(1, 98), 0)
          assert.isFalse((yield* index.post(fresh, dataOf(3))).found)
          assert.strictEqual(dataValue(yield* index.query(fresh)), 3)
        }))
    }), 120_000)

  it.effect("flush waits for the chapter writer: after it the closed chapter is on the device", () =>
    Effect.gen(function*() {
      const names = seedNames(PER_CHAPTER)
      const bytes = deviceBytes(config)
      yield* withIndex(config, bytes, { open: "create" }, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < PER_CHAPTER; k++) yield* index.post(nameAt(names, k), dataOf(k))
          yield* index.flush
          // Physical chapter 0's first index page (after the volume's header page) now holds chapter 0.
          const page = bytes.subarray(8192 + config.geometry.bytesPerPage, 8192 + 2 * config.geometry.bytesPerPage)
          assert.isTrue(page.some((b) => b !== 0))
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 1 })
          assert.deepStrictEqual(saveSlots(bytes).map((slot) => slot.type), [4, 4], "nothing saved yet")
        }))
    }))
})
