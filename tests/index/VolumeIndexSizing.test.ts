import { assert, describe, it } from "@effect/vitest"
import { Geometry } from "@effect-uds/volume"
import { Effect } from "effect"
import * as Sizing from "../../packages/index/src/internal/volumeIndex/sizing.js"

const sized = (memory: Geometry.MemorySize, options: { sparse?: boolean; reduced?: boolean } = {}, zones = 1) =>
  Effect.map(Geometry.fromMemorySize(memory, options), (geometry) => {
    const result = Sizing.size(geometry, zones)
    if (!result.ok) throw new Error(result.message)
    return result.value
  })

describe("volume index sizing (volume-index.md §2.3 table)", () => {
  it.effect("tiny: 512 lists, 20 address bits, 2 chapter bits, mean 2730, 115 save blocks", () =>
    Effect.gen(function*() {
      const sizing = yield* sized("tiny")
      const { main } = sizing
      assert.deepStrictEqual(
        [main.listCount, main.addressBits, main.chapterBits, main.meanDelta, main.minBits, main.minKeys, main.incrKeys],
        [512, 20, 2, 2730, 11, 156, 1892]
      )
      assert.strictEqual(main.memoryBytes, 377_733)
      assert.strictEqual(Sizing.saveBlocks(sizing), 115)
      assert.strictEqual(sizing.hook, undefined)
    }))

  it.effect("dense presets match the reference's lists, widths, memory and save blocks", () =>
    Effect.gen(function*() {
      const rows: ReadonlyArray<readonly [Geometry.MemorySize, boolean, number, number, number, number]> = [
        [0.25, false, 262_144, 10, 209_776_476, 52_321],
        [1, false, 1_048_576, 10, 839_105_904, 209_233],
        [1, true, 1_048_576, 10, 839_105_904, 209_233],
        [2, false, 2_097_152, 11, 1_749_625_077, 435_889]
      ]
      for (const [memory, reduced, lists, chapterBits, memoryBytes, blocks] of rows) {
        const sizing = yield* sized(memory, { reduced })
        assert.deepStrictEqual(
          [sizing.main.listCount, sizing.main.chapterBits, sizing.main.meanDelta, sizing.main.memoryBytes, Sizing.saveBlocks(sizing)],
          [lists, chapterBits, 4080, memoryBytes, blocks],
          `${memory} GB${reduced ? " reduced" : ""}`
        )
      }
    }))

  it.effect("1 GB sparse: a hook and a non-hook sub-index, saved together in 173,421 blocks", () =>
    Effect.gen(function*() {
      const sizing = yield* sized(1, { sparse: true })
      assert.strictEqual(sizing.sampleRate, 32)
      const hook = sizing.hook!
      assert.deepStrictEqual([hook.listCount, hook.chapterBits, hook.memoryBytes, hook.tag], [327_680, 14, 306_853_888, 0x73])
      assert.deepStrictEqual([sizing.main.listCount, sizing.main.chapterBits, sizing.main.memoryBytes, sizing.main.tag], [507_904, 9, 389_146_521, 0x64])
      assert.strictEqual(Sizing.saveBlocks(sizing), 173_421)
    }))

  it.effect("zones split lists and memory; the zone count must be 1..16", () =>
    Effect.gen(function*() {
      const three = yield* sized("tiny", {}, 3)
      assert.strictEqual(three.main.listsPerZone, 171)
      assert.strictEqual(three.main.zoneBytes % 65536, 0)
      assert.isAtLeast(three.main.zoneBytes * 3, three.main.memoryBytes)
      const geometry = yield* Geometry.fromMemorySize("tiny")
      for (const zones of [0, 17, 1.5]) {
        const result = Sizing.size(geometry, zones)
        assert.isFalse(result.ok)
        if (!result.ok) assert.include(result.message, "from 1 to 16")
      }
    }))
})
