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
          // A soft delete of a closed-chapter record: the name is no longer found.
          const deleted = yield* index.delete(nameAt(names, 7))
          assert.deepStrictEqual([deleted.found, deleted.location], [true, "dense"])
          assert.isFalse((yield* index.query(nameAt(names, 7))).found)
          const stats = yield* index.stats
          assert.deepStrictEqual([stats.densePostsFound, stats.postsFound, stats.postsNotFound], [1, 1, perChapter + 10])
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
    }))
})
