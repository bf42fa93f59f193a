import { assert, describe, it } from "@effect/vitest"
import { Index, IndexConfig } from "@effect-uds/index"
import { BlockDevice } from "@effect-uds/volume"
import { Effect, Option } from "effect"
import { dataOf, deviceBytes, hex, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

const dataHex = (result: Index.Result) => (Option.isSome(result.oldData) ? hex(result.oldData.value) : "none")

describe("Index requests", () => {
  it.effect("the reference's own example: POST X/A … DELETE X gives its found, old data and stats (index.md §2.3)", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const x = nameAt(seedNames(1), 0)
      const a = dataOf(0xa)
      const b = dataOf(0xb)
      yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          const steps = [
            yield* index.post(x, a),
            yield* index.post(x, b),
            yield* index.query(x),
            yield* index.update(x, b),
            yield* index.query(x),
            yield* index.delete(x),
            yield* index.query(x),
            yield* index.delete(x)
          ]
          assert.deepStrictEqual(steps.map((r) => r.found), [false, true, true, true, true, true, false, false])
          assert.deepStrictEqual(
            steps.slice(1, 5).map(dataHex),
            [hex(a), hex(a), hex(a), hex(b)]
          )
          assert.isTrue(Option.isNone(steps[0]!.oldData) && Option.isNone(steps[6]!.oldData))
          assert.deepStrictEqual(steps.map((r) => r.location), [
            "unavailable",
            "openChapter",
            "openChapter",
            "openChapter",
            "openChapter",
            "openChapter",
            "unavailable",
            "unavailable"
          ])
          const stats = yield* index.stats
          assert.deepStrictEqual(
            [stats.postsFound, stats.postsNotFound, stats.queriesFound, stats.queriesNotFound, stats.updatesFound,
              stats.updatesNotFound, stats.deletionsFound, stats.deletionsNotFound, stats.requests,
              stats.entriesIndexed, stats.entriesDiscarded, stats.inMemoryPostsFound, stats.densePostsFound],
            [1, 1, 2, 1, 1, 0, 1, 1, 8, 0, 1, 1, 0]
          )
        }))
    }))

  it.effect("a record in a closed chapter is found dense, moved forward by POST and QUERY, left alone by QUERY_NO_UPDATE", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const perChapter = config.geometry.recordsPerChapter
      const names = seedNames(perChapter + 10)
      yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < perChapter + 10; k++) yield* index.post(nameAt(names, k), dataOf(k))
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 1 })
          // Chapter 0 is the writing chapter: searched in memory, reported dense.
          const first = yield* index.queryNoUpdate(nameAt(names, 5))
          assert.deepStrictEqual([first.found, first.location, dataHex(first)], [true, "dense", hex(dataOf(5))])
          yield* index.flush
          const posted = yield* index.post(nameAt(names, 5), dataOf(999))
          assert.deepStrictEqual([posted.found, posted.location, dataHex(posted)], [true, "dense", hex(dataOf(5))])
          // Now in the open chapter with its old data.
          const again = yield* index.queryNoUpdate(nameAt(names, 5))
          assert.deepStrictEqual([again.location, dataHex(again)], ["openChapter", hex(dataOf(5))])
          const updated = yield* index.update(nameAt(names, 6), dataOf(1000))
          assert.deepStrictEqual([updated.found, updated.location, dataHex(updated)], [true, "dense", hex(dataOf(6))])
          assert.strictEqual(dataHex(yield* index.queryNoUpdate(nameAt(names, 6))), hex(dataOf(1000)))
          // QUERY moves a found record forward too; QUERY_NO_UPDATE leaves it where it is.
          assert.strictEqual((yield* index.query(nameAt(names, 8))).location, "dense")
          assert.strictEqual((yield* index.queryNoUpdate(nameAt(names, 8))).location, "openChapter")
          assert.strictEqual((yield* index.queryNoUpdate(nameAt(names, 9))).location, "dense")
          assert.strictEqual((yield* index.queryNoUpdate(nameAt(names, 9))).location, "dense")
          // A soft delete of a closed-chapter record: the name is no longer found.
          const deleted = yield* index.delete(nameAt(names, 7))
          assert.deepStrictEqual([deleted.found, deleted.location], [true, "dense"])
          assert.isFalse((yield* index.query(nameAt(names, 7))).found)
          const stats = yield* index.stats
          assert.deepStrictEqual([stats.densePostsFound, stats.postsFound, stats.postsNotFound], [1, 1, perChapter + 10])
        }))
    }))

  it.effect("a volume index hint is only a hint: names sharing it get collision entries, and DELETE of one trusts its entry", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const perChapter = config.geometry.recordsPerChapter
      const names = seedNames(perChapter)
      // Same bytes 0..7 (the volume index's address and list), different names.
      const a = nameAt(names, 0)
      const sibling = (last: number) => {
        const name = a.slice()
        name[15] = last
        return name
      }
      const b = sibling(a[15]! ^ 1)
      const c = sibling(a[15]! ^ 2)
      yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          assert.isFalse((yield* index.post(a, dataOf(1))).found)
          assert.isFalse((yield* index.post(b, dataOf(2))).found, "A's hint does not make B found")
          assert.strictEqual((yield* index.stats).collisions, 1)
          assert.strictEqual(dataHex(yield* index.queryNoUpdate(a)), hex(dataOf(1)))
          assert.strictEqual(dataHex(yield* index.queryNoUpdate(b)), hex(dataOf(2)))
          // Close chapter 0, then a third sibling meets the hint of a closed chapter, read from the volume.
          for (let k = 1; k < perChapter - 1; k++) yield* index.post(nameAt(names, k), dataOf(k))
          yield* index.flush
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 1 })
          // (The other names may have met hints of their own.)
          const before = (yield* index.stats).collisions
          assert.isFalse((yield* index.post(c, dataOf(3))).found)
          assert.strictEqual((yield* index.stats).collisions, before + 1)
          const deleted = yield* index.delete(b)
          assert.deepStrictEqual([deleted.found, deleted.location], [true, "dense"])
          // Its record stays in chapter 0, which A's hint names: the deleted name survives (index.md §4.6).
          assert.strictEqual(dataHex(yield* index.queryNoUpdate(b)), hex(dataOf(2)))
          assert.strictEqual(dataHex(yield* index.queryNoUpdate(a)), hex(dataOf(1)))
          assert.strictEqual(dataHex(yield* index.queryNoUpdate(c)), hex(dataOf(3)))
        }))
    }))

  it.effect("expiry is one chapter early: when chapter 4 opens, chapter 0 is gone before chapter 4 is written", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const perChapter = config.geometry.recordsPerChapter
      const count = 4 * perChapter
      const names = seedNames(count)
      yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < count - 1; k++) yield* index.post(nameAt(names, k), dataOf(k))
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 3 })
          assert.isTrue((yield* index.queryNoUpdate(nameAt(names, 0))).found)
          yield* index.post(nameAt(names, count - 1), dataOf(count - 1))
          assert.deepStrictEqual(yield* index.chapters, { oldest: 1, newest: 4 })
          assert.isFalse((yield* index.queryNoUpdate(nameAt(names, 0))).found)
          assert.isFalse((yield* index.queryNoUpdate(nameAt(names, perChapter - 1))).found)
          assert.isTrue((yield* index.queryNoUpdate(nameAt(names, perChapter))).found)
          assert.isTrue((yield* index.queryNoUpdate(nameAt(names, count - 1))).found, "in the writing chapter")
        }))
    }))

  it.effect("zones close together: the first zone to fill closes the chapter in every zone", () =>
    Effect.gen(function*() {
      const config = tinyConfig({ zones: 2 })
      const capacity = config.geometry.recordsPerChapter / 2
      const names = seedNames(2 * capacity)
      yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          let k = 0
          while ((yield* index.chapters).newest === 0) {
            yield* index.post(nameAt(names, k), dataOf(k))
            k++
          }
          yield* index.flush
          // One zone filled (capacity records); the other closed with fewer, as its share of chapter 0.
          assert.isBelow(k, 2 * capacity)
          assert.isAtLeast(k, capacity)
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 1 })
          for (let i = 0; i < k; i++) {
            const result = yield* index.queryNoUpdate(nameAt(names, i))
            if (!result.found || dataHex(result) !== hex(dataOf(i))) assert.fail(`name ${i}`)
            if (result.location !== "dense") assert.fail(`name ${i} is in ${result.location}`)
          }
        }))
    }))

  it.effect("a name or data not 16 bytes is InvalidArgument, and does not disable the index", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          const name = nameAt(seedNames(1), 0)
          const bad = [
            yield* Effect.flip(index.post(new Uint8Array(15), dataOf(1))),
            yield* Effect.flip(index.post(name, new Uint8Array(17))),
            yield* Effect.flip(index.query(new Uint8Array(0))),
            yield* Effect.flip(index.delete(new Uint8Array(32)))
          ]
          assert.deepStrictEqual(bad.map((e) => e._tag), Array(4).fill("InvalidArgument"))
          assert.match(bad[0]!.message, /16 bytes, got 15 bytes/)
          assert.isFalse((yield* index.post(name, dataOf(1))).found)
        }))
    }))

  it.effect("opening: a device too small is StorageTooSmall, no index is NoIndex, another configuration is NoIndex", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const open = (bytes: Uint8Array, options: Index.Options, withConfig = config) =>
        Effect.flip(Effect.scoped(Index.make(withConfig, options)).pipe(Effect.provide(BlockDevice.layerMemory({ bytes }))))
      const small = yield* open(new Uint8Array(IndexConfig.indexSize(config) - 4096), { open: "create" })
      assert.strictEqual(small._tag, "StorageTooSmall")
      const empty = yield* open(deviceBytes(config), { open: "load" })
      assert.strictEqual(empty._tag, "NoIndex")
      const bytes = deviceBytes(config)
      yield* withIndex(config, bytes, { open: "create" }, () => Effect.void)
      const other = yield* open(bytes, { open: "load" }, tinyConfig({ nonce: 7n }))
      assert.strictEqual(other._tag, "NoIndex")
      assert.match(other.message, /differs/)
      const mode = yield* open(bytes, { open: "reload" as "load" })
      assert.strictEqual(mode._tag, "InvalidArgument")
      const info = yield* open(bytes, { open: "create", nonceInfo: new Uint8Array(5) })
      assert.strictEqual(info._tag, "InvalidArgument")
      // A configuration not made by IndexConfig.make is checked again.
      const zoneless = yield* open(bytes, { open: "load" }, { ...config, zones: 0 })
      assert.strictEqual(zoneless._tag, "InvalidArgument")
      assert.match(zoneless.message, /zones must be an integer from 1 to 16, got 0/)
    }))
})
