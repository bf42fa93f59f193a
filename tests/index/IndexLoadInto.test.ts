import { assert, describe, it } from "@effect/vitest"
import { type Index, VolumeIndex } from "@effect-uds/index"
import { placeBits } from "@effect-uds/index/internal/volumeIndex/placeBits"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Effect, Either, Option } from "effect"
import { dataOf, deviceBytes, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

const bitOf = (bytes: Uint8Array, bit: number): number => (bytes[bit >>> 3]! >>> (bit & 7)) & 1

describe("loading a save into the session's index", () => {
  it("placeBits writes a list's extent whole: its bits, zeros around them in its bytes, nothing outside", () => {
    const random = RecordGenerator.splitMix64(7)
    const next = (bound: number) => Number(random.next() % BigInt(bound))
    for (let round = 0; round < 2000; round++) {
      const count = 1 + next(round % 4 === 0 ? 700 : 40)
      const source = new Uint8Array(4 + ((count + 14) >>> 3) + next(3))
      for (let i = 0; i < source.length; i++) source[i] = next(256)
      const sourceByte = next(3)
      const sourceBit = next(8)
      if (sourceByte + ((sourceBit + count + 7) >>> 3) > source.length) continue
      const target = new Uint8Array(8 + ((count + 14) >>> 3) + 8).fill(0xa5)
      const targetByte = 1 + next(6)
      const targetBit = next(8)
      placeBits(source, sourceByte, sourceBit, target, targetByte, targetBit, count)
      const extent = (targetBit + count + 7) >>> 3
      for (let byte = 0; byte < target.length; byte++) {
        if (byte < targetByte || byte >= targetByte + extent) {
          assert.strictEqual(target[byte], 0xa5, `round ${round}: byte ${byte} outside the extent changed`)
        }
      }
      for (let bit = 0; bit < 8 * extent; bit++) {
        const j = bit - targetBit
        const expected = j >= 0 && j < count ? bitOf(source, 8 * sourceByte + sourceBit + j) : 0
        assert.strictEqual(bitOf(target, 8 * targetByte + bit), expected, `round ${round}: extent bit ${bit} (list bit ${j})`)
      }
    }
  })

  it.effect("a save whose volume index fails after it was partly loaded rebuilds into a fresh index", () =>
    Effect.gen(function*() {
      const config = tinyConfig()
      const perChapter = config.geometry.recordsPerChapter
      const count = perChapter + 500
      const names = seedNames(count)
      const bytes = deviceBytes(config)
      yield* withIndex(config, bytes, { open: "create" }, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < count; k++) yield* index.post(nameAt(names, k), dataOf(k))
        }))
      // The saved stream's DI header: after MI5 (40 bytes) and a flush chapter per list. Claiming more
      // collisions than records fails the load after the list sizes went into the index.
      const magic = Array.from("MI5-0005", (c) => c.charCodeAt(0))
      const found: Array<number> = []
      for (let at = 0; at + 8 <= bytes.length; at++) if (magic.every((c, i) => bytes[at + i] === c)) found.push(at)
      assert.strictEqual(found.length, 1, "one saved volume index stream")
      const lists = Either.getOrThrow(VolumeIndex.make(config.geometry, { meanDelta: config.volumeIndexMeanDelta }))
        .sizing.main.listCount
      const di = found[0]! + 40 + 8 * lists
      assert.strictEqual(String.fromCharCode(...bytes.subarray(di, di + 8)), "DI-00002")
      new DataView(bytes.buffer).setBigUint64(di + 32, 1n << 40n, true)

      const refused = yield* Effect.flip(withIndex(config, bytes.slice(), { open: "loadNoRebuild" }, () => Effect.void))
      assert.strictEqual(refused._tag, "NeedsRebuild")
      assert.include(refused.message, "collisions")
      yield* withIndex(config, bytes, { open: "load" }, (index: Index.Service) =>
        Effect.gen(function*() {
          assert.strictEqual(index.opened, "rebuilt")
          for (let k = 0; k < count; k++) {
            const result = yield* index.queryNoUpdate(nameAt(names, k))
            if (k >= perChapter) {
              assert.isFalse(result.found, `name ${k} of the lost open chapter`)
              continue
            }
            assert.isTrue(result.found, `name ${k}`)
            const data = Option.getOrThrow(result.oldData)
            assert.strictEqual(new DataView(data.buffer, data.byteOffset).getUint32(0, true), k)
          }
          // As a rebuild into an empty index counts them: one entry per closed-chapter name.
          assert.strictEqual((yield* index.stats).entriesIndexed, perChapter)
        }))
    }), 240_000)
})
