import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { geometryOf, geometryVectorNames, readMeta, skipReason, vectorsPresent } from "../support/vectors.js"

const snakeToCamel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

describe("Geometry", () => {
  describe.skipIf(!vectorsPresent)(`matches every vector's meta.json (${vectorsPresent ? "present" : skipReason})`, () => {
    for (const name of geometryVectorNames) {
      it(`reproduces ${name} field for field`, () => {
        const meta = readMeta(name)
        const geometry = geometryOf(meta) as unknown as Record<string, number>
        for (const [field, expected] of Object.entries(meta.geometry)) {
          assert.strictEqual(geometry[snakeToCamel(field)], expected, field)
        }
      })
    }
  })

  it.effect("defaults to the 1 GB dense geometry", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make()
      assert.strictEqual(geometry.indexPagesPerChapter, 26)
      assert.strictEqual(geometry.pagesPerVolume, 288768)
      assert.strictEqual(geometry.bytesPerVolume, 9462382592)
      assert.strictEqual(geometry.deltaListsPerChapter, 4096)
      assert.strictEqual(geometry.chapterAddressBits, 22)
    }))

  // Rows of geometry.md §4: memory, sparse, reduced, chapters, index pages/chapter, pages/volume, bytes/volume.
  const presets: ReadonlyArray<readonly [Geometry.MemorySize, boolean, boolean, number, number, number, number]> = [
    [0.25, false, false, 1024, 6, 71680, 2348843008],
    [0.25, false, true, 1023, 6, 71610, 2346549248],
    [0.25, true, false, 10240, 6, 716800, 23488135168],
    [0.25, true, true, 10239, 6, 716730, 23485841408],
    [0.5, false, false, 1024, 13, 144384, 4731207680],
    [0.5, true, true, 10239, 13, 1443699, 47307161600],
    [0.75, false, false, 1024, 20, 217088, 7113572352],
    [0.75, true, false, 10240, 20, 2170880, 71135428608],
    [1, false, true, 1023, 26, 288486, 9453142016],
    [1, true, false, 10240, 26, 2887680, 94623531008],
    [2, false, false, 2048, 26, 577536, 18924732416],
    [2, true, false, 20480, 26, 5775360, 189247029248]
  ]
  for (const [memory, sparse, reduced, chapters, indexPages, pages, bytes] of presets) {
    it.effect(`preset ${memory} GB sparse=${sparse} reduced=${reduced} matches the reference table`, () =>
      Effect.gen(function*() {
        const geometry = yield* Geometry.fromMemorySize(memory, { sparse, reduced })
        assert.strictEqual(geometry.chaptersPerVolume, chapters)
        assert.strictEqual(geometry.indexPagesPerChapter, indexPages)
        assert.strictEqual(geometry.pagesPerVolume, pages)
        assert.strictEqual(geometry.bytesPerVolume, bytes)
        assert.strictEqual(geometry.sparseChaptersPerVolume, sparse ? (memory === 2 ? 19456 : 9728) : 0)
      }))
  }

  it.effect("tiny preset has 512 delta lists and 3 index pages", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.fromMemorySize("tiny")
      assert.strictEqual(geometry.deltaListsPerChapter, 512)
      assert.strictEqual(geometry.chapterPayloadBits, 5)
      assert.strictEqual(geometry.indexPagesPerChapter, 3)
      assert.strictEqual(geometry.pagesPerChapter, 35)
    }))

  const rejected: ReadonlyArray<readonly [string, Geometry.Options, string]> = [
    ["page below 32 bytes", { bytesPerPage: 31 }, "bytesPerPage"],
    ["page above 65536 bytes", { bytesPerPage: 65537 }, "bytesPerPage"],
    ["fractional page size", { bytesPerPage: 4096.5 }, "bytesPerPage"],
    ["zero record pages", { recordPagesPerChapter: 0 }, "recordPagesPerChapter"],
    ["65536 record pages", { recordPagesPerChapter: 65536 }, "recordPagesPerChapter"],
    // No page cache of 32767 slots holds a chapter of more record pages.
    ["32768 record pages", { bytesPerPage: 32, recordPagesPerChapter: 32768 }, "recordPagesPerChapter must be an integer from 1 to 32767"],
    ["65535 record pages", { bytesPerPage: 32, recordPagesPerChapter: 65535 }, "recordPagesPerChapter must be an integer from 1 to 32767"],
    ["a record page count given as a string", { recordPagesPerChapter: "8" as unknown as number }, "got \"8\""],
    ["zero chapters", { chaptersPerVolume: 0 }, "chaptersPerVolume"],
    ["negative chapters", { chaptersPerVolume: -4 }, "chaptersPerVolume"],
    ["all chapters sparse", { chaptersPerVolume: 8, sparseChaptersPerVolume: 8 }, "sparseChaptersPerVolume"],
    ["remapped physical out of range", { chaptersPerVolume: 7, remappedPhysical: 7 }, "remappedPhysical"],
    ["too many delta lists", { bytesPerPage: 65536, recordPagesPerChapter: 32767 }, "delta lists"],
    ["index pages too small for the delta lists", { bytesPerPage: 128, recordPagesPerChapter: 4096 }, "cannot hold 256 delta lists"]
  ]
  for (const [what, options, mentions] of rejected) {
    it.effect(`rejects ${what} with InvalidArgument naming ${mentions}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Geometry.make(options))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.include(error.message, mentions)
      }))
  }

  for (const options of [null, 7, "big", [1, 2]]) {
    it.effect(`rejects options ${JSON.stringify(options)} with InvalidArgument instead of crashing`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Geometry.make(options as unknown as Geometry.Options))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.include(error.message, "options must be an object or omitted")
        const preset = yield* Effect.flip(Geometry.fromMemorySize(1, options as unknown as { sparse?: boolean }))
        assert.include(preset.message, "options must be an object or omitted")
      }))
  }

  it.scoped("opens a volume with a one-chapter cache at the largest record page count it accepts", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({ bytesPerPage: 512, recordPagesPerChapter: 32767, chaptersPerVolume: 1 })
      const context = yield* Layer.build(
        Volume.layer({ geometry, nonce: 1n, cacheChapters: 1 }).pipe(
          Layer.provide(BlockDevice.layerMemory({ size: geometry.bytesPerVolume }))
        )
      )
      const volume = Context.get(context, Volume.Volume)
      // The last record page of the chapter goes through the cache: a zeroed page.
      const page = yield* volume.getPage(0, geometry.pagesPerChapter - 1)
      assert.isTrue(page.length === 512 && page.every((byte) => byte === 0))
    }))

  it.effect("sizes the chapter index of tiny pages in 32-bit arithmetic, as the reference does", () =>
    Effect.gen(function*() {
      // The slack subtracted from a 32-byte page exceeds the page and wraps around: one index page.
      const geometry = yield* Geometry.make({ bytesPerPage: 32, recordPagesPerChapter: 8, chaptersPerVolume: 2 })
      assert.strictEqual(geometry.indexPagesPerChapter, 1)
      assert.strictEqual(geometry.pagesPerVolume, 18)
    }))

  it.effect("rejects an unknown memory size", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Geometry.fromMemorySize(3.5))
      assert.include(error.message, "memory size")
    }))

  it.effect("maps virtual to physical chapters by modulo without remapping", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume: 16 })
      assert.deepStrictEqual([0, 5, 16, 33].map((v) => Geometry.mapToPhysicalChapter(geometry, v)), [0, 5, 0, 1])
    }))

  it.effect("maps a reduced geometry with remapped chapter 8 -> 2 as the spec's table", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({
        bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume: 7, remappedVirtual: 8, remappedPhysical: 2
      })
      const map = (v: number) => Geometry.mapToPhysicalChapter(geometry, v)
      assert.deepStrictEqual([9, 10, 8, 11, 12, 13, 14].map(map), [0, 1, 2, 3, 4, 5, 6])
      assert.deepStrictEqual([4, 5, 6, 7].map(map), [3, 4, 5, 6])
      assert.strictEqual(map(0), 0)
    }))

  it.effect("maps a reduced geometry with remapped chapter 8 -> 6", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({
        bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume: 7, remappedVirtual: 8, remappedPhysical: 6
      })
      assert.deepStrictEqual([8, 9, 10, 11, 12, 13, 14].map((v) => Geometry.mapToPhysicalChapter(geometry, v)), [6, 0, 1, 2, 3, 4, 5])
    }))

  it.effect("expires two chapters at the remapped chapter and none where its slot is reused", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({
        bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume: 7, remappedVirtual: 8, remappedPhysical: 2
      })
      assert.strictEqual(Geometry.chaptersToExpire(geometry, 6), 0)
      assert.strictEqual(Geometry.chaptersToExpire(geometry, 15), 2)
      assert.strictEqual(Geometry.chaptersToExpire(geometry, 17), 0)
      assert.strictEqual(Geometry.chaptersToExpire(geometry, 16), 1)
    }))

  it.effect("classifies sparse chapters by the live window", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({
        bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume: 10, sparseChaptersPerVolume: 5
      })
      assert.isTrue(Geometry.isChapterSparse(geometry, 0, 9, 4))
      assert.isFalse(Geometry.isChapterSparse(geometry, 0, 9, 5))
      assert.isFalse(Geometry.isChapterSparse(geometry, 3, 7, 3))
    }))
})
