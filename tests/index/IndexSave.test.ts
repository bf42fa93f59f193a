import { assert, describe, it } from "@effect/vitest"
import type { Index } from "@effect-uds/index"
import { Effect, Option } from "effect"
import { saveSlots } from "../support/indexTiny.js"
import { dataOf, deviceBytes, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

const dataByte = (result: Index.Result): number => (Option.isSome(result.oldData) ? result.oldData.value[0]! + 256 * result.oldData.value[1]! : -1)

// More than two chapters of the tiny geometry (32,768 records each), so the save has closed chapters and an open one.
const COUNT = 70_000

/** Posts names 0 .. COUNT − 1 (data le64(k)), deletes every 100th, updates every 1000th to k + 1. */
const fill = (index: Index.Service, names: Uint8Array) =>
  Effect.gen(function*() {
    for (let k = 0; k < COUNT; k++) yield* index.post(nameAt(names, k), dataOf(k))
    for (let k = 0; k < COUNT; k += 100) assert.isTrue((yield* index.delete(nameAt(names, k))).found)
    for (let k = 1; k < COUNT; k += 1000) assert.isTrue((yield* index.update(nameAt(names, k), dataOf(k + 1))).found)
  })

/** Every name answers as `fill` left it. */
const check = (index: Index.Service, names: Uint8Array) =>
  Effect.gen(function*() {
    for (let k = 0; k < COUNT; k++) {
      const result = yield* index.queryNoUpdate(nameAt(names, k))
      const expected = k % 100 === 0 ? -1 : (k % 1000 === 1 ? k + 1 : k) & 0xffff
      if (dataByte(result) !== expected) assert.fail(`name ${k}: expected ${expected}, got ${dataByte(result)}`)
    }
  })

describe("Index save and load", () => {
  it.effect("a clean close saves; load gives the same answers and chapters, in 1, 2 and 4 zones whatever zones saved", () =>
    Effect.gen(function*() {
      const names = seedNames(COUNT)
      const bytes = deviceBytes(tinyConfig())
      const chapters = yield* withIndex(tinyConfig({ zones: 2 }), bytes, { open: "create" }, (index) =>
        Effect.gen(function*() {
          yield* fill(index, names)
          yield* check(index, names)
          return yield* index.chapters
        }))
      assert.deepStrictEqual(chapters, { oldest: 0, newest: 2 })
      for (const zones of [1, 4, 2]) {
        yield* withIndex(tinyConfig({ zones }), bytes, { open: "loadNoRebuild" }, (index) =>
          Effect.gen(function*() {
            assert.strictEqual(index.opened, "loaded")
            assert.deepStrictEqual(yield* index.chapters, chapters)
            assert.strictEqual((yield* index.stats).requests, 0, "statistics start again at each open")
            yield* check(index, names)
          }))
      }
    }), 240_000)

  it.effect("a load with nothing to save writes nothing; a save goes to the older slot and is the one loaded", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const names = seedNames(10)
      const bytes = deviceBytes(config)
      yield* withIndex(config, bytes, { open: "create" }, (index) => index.post(nameAt(names, 0), dataOf(0)))
      assert.deepStrictEqual(saveSlots(bytes).map((slot) => slot.type), [2, 4], "first save in slot 0, slot 1 UNSAVED")
      const before = bytes.slice()
      yield* withIndex(config, bytes, { open: "load" }, (index) => Effect.map(index.chapters, () => undefined))
      assert.isTrue(Buffer.from(before).equals(Buffer.from(bytes)), "nothing changed, nothing saved")
      yield* withIndex(config, bytes, { open: "load" }, (index) =>
        Effect.gen(function*() {
          yield* index.post(nameAt(names, 1), dataOf(1))
          yield* index.save
          assert.deepStrictEqual(saveSlots(bytes).map((slot) => slot.type), [2, 2])
          yield* index.post(nameAt(names, 2), dataOf(2))
        }))
      const slots = saveSlots(bytes)
      assert.isTrue(slots[0]!.timestamp > slots[1]!.timestamp, "the close saved over slot 0, the older one")
      yield* withIndex(config, bytes, { open: "loadNoRebuild" }, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < 3; k++) assert.strictEqual(dataByte(yield* index.queryNoUpdate(nameAt(names, k))), k)
        }))
    }))

  it.effect("the dirty flag: a chapter closed after the last save makes that save unloadable (NeedsRebuild)", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const perChapter = config.geometry.recordsPerChapter
      const names = seedNames(perChapter + 100)
      const bytes = deviceBytes(config)
      yield* withIndex(config, bytes, { open: "create" }, (index) => index.post(nameAt(names, 0), dataOf(0)))
      let crashed = new Uint8Array(0)
      let beforeClose = new Uint8Array(0)
      yield* withIndex(config, bytes, { open: "loadNoRebuild" }, (index) =>
        Effect.gen(function*() {
          for (let k = 1; k < perChapter - 1; k++) yield* index.post(nameAt(names, k), dataOf(k))
          yield* index.flush
          beforeClose = bytes.slice()
          for (let k = perChapter - 1; k < perChapter + 100; k++) yield* index.post(nameAt(names, k), dataOf(k))
          yield* index.flush
          crashed = bytes.slice()
        }))
      // Ran past its save without closing a chapter: the save still loads.
      yield* withIndex(config, beforeClose, { open: "loadNoRebuild" }, (index) => Effect.map(index.chapters, (c) => assert.deepStrictEqual(c, { oldest: 0, newest: 0 })))
      const refused = yield* Effect.flip(withIndex(config, crashed, { open: "loadNoRebuild" }, () => Effect.void))
      assert.strictEqual(refused._tag, "NeedsRebuild")
      assert.match(refused.message, /discarded/)
      // The clean close after it loads.
      yield* withIndex(config, bytes, { open: "loadNoRebuild" }, (index) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 1 })
          assert.strictEqual(dataByte(yield* index.queryNoUpdate(nameAt(names, perChapter + 99))), (perChapter + 99) & 0xffff)
        }))
    }))
})
