import { assert, describe, it } from "@effect/vitest"
import { Geometry } from "@effect-uds/volume"
import { IndexConfig } from "@effect-uds/index"
import { Effect, Either } from "effect"

describe("IndexConfig.make", () => {
  it.effect("applies every default and carries the preset's geometry", () =>
    Effect.gen(function*() {
      const config = yield* IndexConfig.make({ memorySize: "tiny" })
      assert.deepStrictEqual(
        [config.memorySize, config.sparse, config.reduced, config.zones, config.readThreads, config.nonce, config.offset],
        ["tiny", false, false, 1, 2, 0n, 0]
      )
      assert.deepStrictEqual([config.cacheChapters, config.volumeIndexMeanDelta, config.sparseSampleRate], [7, 4096, 0])
      assert.deepStrictEqual(config.geometry, yield* Geometry.fromMemorySize("tiny"))
      assert.strictEqual(config.geometry.chaptersPerVolume, 4)
    }))

  it.effect("keeps the options given; a sparse index samples one name in 32", () =>
    Effect.gen(function*() {
      const config = yield* IndexConfig.make({
        memorySize: 0.25,
        sparse: true,
        reduced: true,
        zones: 16,
        readThreads: 1,
        nonce: (1n << 64n) - 1n,
        offset: 4096
      })
      assert.deepStrictEqual(
        [config.sparse, config.reduced, config.zones, config.readThreads, config.nonce, config.offset, config.sparseSampleRate],
        [true, true, 16, 1, (1n << 64n) - 1n, 4096, 32]
      )
      assert.deepStrictEqual(
        [config.geometry.chaptersPerVolume, config.geometry.sparseChaptersPerVolume, config.geometry.recordPagesPerChapter],
        [10239, 9728, 64]
      )
    }))

  it.effect("refuses every out-of-range option with InvalidArgument saying what is allowed", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [IndexConfig.Options, string]> = [
        [{ memorySize: 3.5 }, "memorySize must be"],
        [{ memorySize: 0 }, "memorySize must be"],
        [{ memorySize: 1025 }, "1 to 1024"],
        [{ memorySize: -1 }, "memorySize must be"],
        [{ memorySize: "tiny", reduced: true }, "reduced must be false"],
        [{ memorySize: 1, zones: 0 }, "zones must be an integer from 1 to 16, got 0"],
        [{ memorySize: 1, zones: 17 }, "zones must be an integer from 1 to 16, got 17"],
        [{ memorySize: 1, zones: 1.5 }, "zones must be"],
        [{ memorySize: 1, readThreads: 0 }, "readThreads must be an integer from 1 to 16"],
        [{ memorySize: 1, readThreads: 17 }, "readThreads must be an integer from 1 to 16"],
        [{ memorySize: 1, nonce: -1n }, "nonce must be a bigint from 0n to 2^64 - 1"],
        [{ memorySize: 1, nonce: 1n << 64n }, "nonce must be a bigint from 0n to 2^64 - 1"],
        [{ memorySize: 1, offset: 100 }, "offset must be a non-negative multiple of 4096"],
        [{ memorySize: 1, offset: -4096 }, "offset must be a non-negative multiple of 4096"],
        [{ memorySize: 1, offset: 2 ** 60 }, "offset must be"],
        [{ memorySize: 1, offset: 2 ** 53 - 2 ** 20 }, "past 2^53 bytes"]
      ]
      for (const [options, expected] of cases) {
        const result = yield* Effect.either(IndexConfig.make(options))
        assert.isTrue(Either.isLeft(result), JSON.stringify(options, (_, v) => (typeof v === "bigint" ? `${v}n` : v)))
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left._tag, "InvalidArgument")
          assert.include(result.left.message, expected)
        }
      }
    }))
})

// uds_compute_index_size for every preset (layout.md §2.2): 4096 × (3 + volume blocks +
// 2 × (1 + page map + open chapter + volume index blocks)). The bytes per volume are
// geometry.md §4's table (2 GB reduced and 1024 GB from its formula 32768 × (288768 N + 1),
// chapters − 1 when reduced); page map = ⌈(16 + 2 C (index pages − 1)) / 4096⌉, open
// chapter = ⌈(14 + 32 records per chapter) / 4096⌉, and the volume index blocks are
// volume-index.md §2.3's table where it has them (tiny, 0.25 GB, 1 GB, 2 GB, 1 GB sparse),
// the rest worked out by hand from its §2.3-§2.4 formulas, independently of this code.
// tiny is index-tiny's own uds_compute_index_size, 7,696,384 (its meta.json).
const PRESETS: ReadonlyArray<
  readonly [Geometry.MemorySize, boolean, boolean, number, number, number, number, number]
> = [
  // memory, sparse, reduced, bytes/volume, page map, open chapter, volume index, index size
  ["tiny", false, false, 4_620_288, 1, 257, 115, 7_696_384],
  ["tiny", true, false, 45_907_968, 1, 257, 115, 48_984_064],
  [0.25, false, false, 2_348_843_008, 3, 513, 52_321, 2_781_704_192],
  [0.25, false, true, 2_346_549_248, 3, 513, 52_321, 2_779_410_432],
  [0.25, true, false, 23_488_135_168, 26, 513, 43_380, 23_847_940_096],
  [0.25, true, true, 23_485_841_408, 26, 513, 43_380, 23_845_646_336],
  [0.5, false, false, 4_731_207_680, 7, 1025, 104_625, 5_596_770_304],
  [0.5, false, true, 4_726_587_392, 6, 1025, 104_625, 5_592_141_824],
  [0.5, true, false, 47_311_781_888, 61, 1025, 86_727, 48_031_166_464],
  [0.5, true, true, 47_307_161_600, 60, 1025, 86_727, 48_026_537_984],
  [0.75, false, false, 7_113_572_352, 10, 1537, 156_929, 8_411_828_224],
  [0.75, false, true, 7_106_625_536, 10, 1537, 156_929, 8_404_881_408],
  [0.75, true, false, 71_135_428_608, 96, 1537, 130_074, 72_214_392_832],
  [0.75, true, true, 71_128_481_792, 95, 1537, 130_074, 72_207_437_824],
  [1, false, false, 9_462_382_592, 13, 2049, 209_233, 11_193_331_712],
  [1, false, true, 9_453_142_016, 13, 2049, 209_233, 11_184_091_136],
  [1, true, false, 94_623_531_008, 126, 2049, 173_421, 96_062_033_920],
  [1, true, true, 94_614_290_432, 125, 2049, 173_421, 96_052_785_152],
  [2, false, false, 18_924_732_416, 26, 2049, 435_889, 22_512_553_984],
  [2, false, true, 18_915_491_840, 25, 2049, 435_889, 22_503_305_216],
  [2, true, false, 189_247_029_248, 251, 2049, 360_697, 192_220_721_152],
  [2, true, true, 189_237_788_672, 250, 2049, 360_697, 192_211_472_384],
  [1024, false, false, 9_689_446_252_544, 12_801, 2049, 303_499_537, 12_175_836_131_328],
  [1024, false, true, 9_689_437_011_968, 12_800, 2049, 303_499_537, 12_175_826_882_560],
  [1024, true, false, 96_894_462_230_528, 128_001, 2049, 248_685_665, 98_932_760_588_288],
  [1024, true, true, 96_894_452_989_952, 128_000, 2049, 248_685_665, 98_932_751_339_520]
]

describe("IndexConfig.indexSize", () => {
  it.effect("is the reference's computed size for every preset, dense and sparse, reduced or not", () =>
    Effect.gen(function*() {
      for (const [memorySize, sparse, reduced, bytesPerVolume, pageMap, openChapter, volumeIndex, size] of PRESETS) {
        const label = `${memorySize}${sparse ? " sparse" : ""}${reduced ? " reduced" : ""}`
        // The table's own arithmetic holds.
        assert.strictEqual(
          4096 * (3 + bytesPerVolume / 4096 + 2 * (1 + pageMap + openChapter + volumeIndex)),
          size,
          `${label}: table row`
        )
        const config = yield* IndexConfig.make({ memorySize, sparse, reduced })
        assert.strictEqual(config.geometry.bytesPerVolume, bytesPerVolume, `${label}: bytes per volume`)
        assert.strictEqual(IndexConfig.indexSize(config), size, label)
      }
    }))

  it.effect("does not depend on zones, read threads, nonce or offset", () =>
    Effect.gen(function*() {
      const plain = yield* IndexConfig.make({ memorySize: 1 })
      const other = yield* IndexConfig.make({ memorySize: 1, zones: 7, readThreads: 16, nonce: 99n, offset: 1 << 20 })
      assert.strictEqual(IndexConfig.indexSize(other), IndexConfig.indexSize(plain))
      assert.strictEqual(IndexConfig.indexSize(plain), 11_193_331_712)
    }))
})
