import { assert, describe, it } from "@effect/vitest"
import { Index, type IndexError } from "@effect-uds/index"
import { BlockDevice } from "@effect-uds/volume"
import { Effect, Layer, Option } from "effect"
import { dataOf, deviceBytes, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

const config = tinyConfig()
const PER_CHAPTER = config.geometry.recordsPerChapter

const dataValue = (result: Index.Result): number =>
  Option.isSome(result.oldData) ? new DataView(result.oldData.value.buffer).getUint32(0, true) : -1

/** How many of names first … end − 1 are found, failing at once on wrong data. */
const countFound = (index: Index.Service, names: Uint8Array, first: number, end: number, step = 1) =>
  Effect.gen(function*() {
    let found = 0
    for (let k = first; k < end; k += step) {
      const result = yield* index.queryNoUpdate(nameAt(names, k))
      if (!result.found) continue
      if (dataValue(result) !== k) assert.fail(`name ${k} found with data ${dataValue(result)}`)
      found++
    }
    return found
  })

const post = (index: Index.Service, names: Uint8Array, first: number, end: number) =>
  Effect.gen(function*() {
    for (let k = first; k < end; k++) yield* index.post(nameAt(names, k), dataOf(k))
  })

/**
 * A copy of the device of a running index, never saved: created, given names 0 … count − 1,
 * then `more`, then flushed.
 */
const crashedCopy = (names: Uint8Array, count: number, more: (index: Index.Service) => Effect.Effect<void, IndexError.IndexError>) =>
  Effect.gen(function*() {
    const bytes = deviceBytes(config)
    let crashed = new Uint8Array(0)
    yield* withIndex(config, bytes, { open: "create" }, (index) =>
      Effect.gen(function*() {
        yield* post(index, names, 0, count)
        yield* more(index)
        yield* index.flush
        crashed = bytes.slice()
      }))
    return crashed
  })

describe("Index crash and rebuild", () => {
  it.effect("a copy taken while running refuses loadNoRebuild, and load rebuilds it: closed chapters found, the open chapter lost", () =>
    Effect.gen(function*() {
      const count = 2 * PER_CHAPTER + 1000
      const names = seedNames(count)
      // Soft deletes of closed-chapter names: they come back after a rebuild.
      const crashed = yield* crashedCopy(names, count, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < 100; k++) assert.isTrue((yield* index.delete(nameAt(names, k * 7))).found)
        }))
      const refused = yield* Effect.flip(withIndex(config, crashed.slice(), { open: "loadNoRebuild" }, () => Effect.void))
      assert.strictEqual(refused._tag, "NeedsRebuild")
      const progress: Array<string> = []
      yield* withIndex(config, crashed, {
        open: "load",
        onRebuildProgress: ({ done, total }) => progress.push(`${done}/${total}`)
      }, (index) =>
        Effect.gen(function*() {
          assert.strictEqual(index.opened, "rebuilt")
          assert.deepStrictEqual(progress, ["0/2", "1/2", "2/2"])
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 2 })
          assert.strictEqual(yield* countFound(index, names, 0, 2 * PER_CHAPTER), 2 * PER_CHAPTER, "every closed-chapter name, deleted ones too")
          assert.strictEqual(yield* countFound(index, names, 2 * PER_CHAPTER, count), 0, "the open chapter is lost")
          assert.strictEqual((yield* index.stats).entriesIndexed, 2 * PER_CHAPTER)
        }))
    }), 240_000)

  it.effect("an open-chapter delete is durable once its chapter closes: the rebuilt index does not bring it back", () =>
    Effect.gen(function*() {
      const count = PER_CHAPTER + 20
      const names = seedNames(count)
      const crashed = yield* crashedCopy(names, PER_CHAPTER - 10, (index) =>
        Effect.gen(function*() {
          assert.deepStrictEqual((yield* index.delete(nameAt(names, 5))).location, "openChapter")
          yield* post(index, names, PER_CHAPTER - 10, count)
        }))
      yield* withIndex(config, crashed, { open: "load" }, (index) =>
        Effect.gen(function*() {
          assert.strictEqual(index.opened, "rebuilt")
          assert.isFalse((yield* index.queryNoUpdate(nameAt(names, 5))).found)
          // Its tombstone kept its record number (chapter 0 is names 0 .. 32767); its place holds a
          // copy of the chapter's last record, and every other name is there.
          assert.strictEqual(yield* countFound(index, names, 0, PER_CHAPTER), PER_CHAPTER - 1)
        }))
    }), 240_000)

  it.effect("a rebuild after the volume wrapped drops the chapter the new open chapter will overwrite", () =>
    Effect.gen(function*() {
      // 4 chapters per volume: chapters 0 .. 4 closed, so chapter 5 is open and 0, 1 expired.
      const count = 5 * PER_CHAPTER + 10
      const names = seedNames(count)
      const crashed = yield* crashedCopy(names, count, (index) =>
        Effect.map(index.chapters, (chapters) => assert.deepStrictEqual(chapters, { oldest: 2, newest: 5 })))
      yield* withIndex(config, crashed, { open: "load" }, (index) =>
        Effect.gen(function*() {
          assert.strictEqual(index.opened, "rebuilt")
          assert.deepStrictEqual(yield* index.chapters, { oldest: 2, newest: 5 })
          assert.strictEqual(yield* countFound(index, names, 0, 2 * PER_CHAPTER, 5), 0)
          assert.strictEqual(yield* countFound(index, names, 2 * PER_CHAPTER, 5 * PER_CHAPTER, 5), 3 * PER_CHAPTER / 5 + 0.4 | 0)
        }))
    }), 240_000)

  for (const crossesChapter of [false, true]) {
    it.effect(
      `a crash at every device write of a save loads the previous save${crossesChapter ? " (here dirty: so it rebuilds)" : ""} or the new one, never a wrong answer`,
      () =>
        Effect.gen(function*() {
          const first = PER_CHAPTER + 500
          const count = first + (crossesChapter ? PER_CHAPTER : 300)
          const names = seedNames(count)
          const bytes = deviceBytes(config)
          yield* withIndex(config, bytes, { open: "create" }, (index) => post(index, names, 0, first))
          // The device beneath records what a crash would leave before and in the middle of each write.
          const crashes: Array<Uint8Array> = []
          let armed = false
          const recording = Layer.effect(
            BlockDevice.BlockDevice,
            Effect.map(BlockDevice.BlockDevice, (inner): BlockDevice.Service => ({
              ...inner,
              write: (offset, data) =>
                Effect.suspend(() => {
                  if (armed) {
                    crashes.push(bytes.slice())
                    const torn = bytes.slice()
                    torn.set(data.subarray(0, Math.max(1, data.length >> 1)), offset)
                    crashes.push(torn)
                  }
                  return inner.write(offset, data)
                })
            }))
          ).pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))
          yield* Effect.scoped(Effect.gen(function*() {
            const index = yield* Index.make(config, { open: "load" })
            yield* post(index, names, first, count)
            yield* index.flush
            armed = true
          })).pipe(Effect.provide(recording))
          armed = false
          crashes.push(bytes.slice())
          assert.isAtLeast(crashes.length, 9, "UNSAVED header, open chapter, volume index, page map, header")
          // What each crash loads: "old" (the previous save), "new" (the save being written) or "rebuilt".
          const outcomes: Array<string> = []
          for (const crash of crashes) {
            yield* withIndex(config, crash, { open: "load" }, (index) =>
              Effect.gen(function*() {
                const closed = (yield* index.chapters).newest * PER_CHAPTER
                assert.strictEqual(yield* countFound(index, names, 0, closed, 3), Math.ceil(closed / 3))
                const rest = yield* countFound(index, names, closed, count, 3)
                const outcome = index.opened === "rebuilt"
                  ? "rebuilt"
                  : rest === Math.ceil((count - closed) / 3)
                  ? "new"
                  : rest === Math.ceil((first - closed) / 3)
                  ? "old"
                  : `wrong: ${rest} of the names after chapter ${closed / PER_CHAPTER}`
                if (index.opened === "rebuilt") assert.strictEqual(rest, 0, "a rebuild loses the open chapter")
                outcomes.push(outcome)
              }))
          }
          // Before the commit point the previous state, from it on the new save; nothing else.
          const commit = outcomes.indexOf("new")
          assert.isAbove(commit, 3)
          assert.deepStrictEqual(new Set(outcomes.slice(0, commit)), new Set([crossesChapter ? "rebuilt" : "old"]))
          assert.deepStrictEqual(new Set(outcomes.slice(commit)), new Set(["new"]))
        }),
      240_000
    )
  }
})
