import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { ChapterIndex, Geometry, IndexPageMap } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"

const makeGeometry = (options: Geometry.Options = {}): Geometry.Geometry => Effect.runSync(Geometry.make(options))
const oneGigabyte = makeGeometry()

/** A name in chapter delta list `list` of the 1 GB geometry (22 address bits). */
const nameInList = (list: number, address = 12345): Uint8Array => {
  const name = new Uint8Array(16).fill(0x5a)
  let x = list * 2 ** 22 + address
  for (let i = 13; i >= 8; i--) {
    name[i] = x % 256
    x = Math.floor(x / 256)
  }
  return name
}

// Spec §7: chapter 12, pages 0..24 end at 156, 314, 473, …, 3963; page 25 ends at 4095.
const exampleHighest = [156, 314, 473, ...Array.from({ length: 21 }, (_, i) => 630 + 158 * i), 3963]

const withExample = (map: IndexPageMap.Service): void => {
  exampleHighest.forEach((highest, page) => map.update(812, 12, page, highest))
  map.update(812, 12, 25, 4095)
}

describe("IndexPageMap", () => {
  it.effect("finds the index page of a name by its delta list (spec §7)", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      withExample(map)
      assert.strictEqual(map.findIndexPage(nameInList(100), 12), 0)
      assert.strictEqual(map.findIndexPage(nameInList(156), 12), 0)
      assert.strictEqual(map.findIndexPage(nameInList(157), 12), 1)
      assert.strictEqual(map.findIndexPage(nameInList(314), 12), 1)
      assert.strictEqual(map.findIndexPage(nameInList(3963), 12), 24)
      for (const list of [3964, 4000, 4095]) assert.strictEqual(map.findIndexPage(nameInList(list), 12), 25)
    }))

  it.effect("gives each page's list bounds, the last page ending at the last list (spec §7)", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      withExample(map)
      assert.deepStrictEqual(map.bounds(12, 0), { lowest: 0, highest: 156 })
      assert.deepStrictEqual(map.bounds(12, 1), { lowest: 157, highest: 314 })
      assert.deepStrictEqual(map.bounds(12, 25), { lowest: 3964, highest: 4095 })
      assert.strictEqual(map.lowestList(12, 25), 3964)
      assert.strictEqual(map.highestList(12, 24), 3963)
    }))

  it.effect("keeps chapters apart and starts with every entry 0", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      withExample(map)
      assert.deepStrictEqual(map.bounds(13, 0), { lowest: 0, highest: 0 })
      assert.deepStrictEqual(map.bounds(13, 1), { lowest: 1, highest: 0 })
      assert.deepStrictEqual(map.bounds(11, 25), { lowest: 1, highest: 4095 })
      assert.strictEqual(map.findIndexPage(nameInList(7), 13), 25)
      assert.strictEqual(map.findIndexPage(nameInList(0), 13), 0)
    }))

  it.effect("sets the last update on every update, the last page's included, which stores nothing", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      assert.strictEqual(map.lastUpdate(), 0)
      map.update(40, 3, 2, 500)
      assert.strictEqual(map.lastUpdate(), 40)
      const before = map.save()
      map.update(41, 3, 25, 123)
      assert.strictEqual(map.lastUpdate(), 41)
      assert.deepStrictEqual(map.save().subarray(16), before.subarray(16))
    }))

  it.effect("stores a highest list of −1 (an empty first page) as 0xFFFF", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      map.update(1, 0, 0, -1)
      assert.strictEqual(map.highestList(0, 0), 0xffff)
      map.update(1, 0, 1, 0xffffffff)
      assert.strictEqual(map.highestList(0, 1), 0xffff)
    }))

  it.effect("saves as ALBIPM02, the last update and the entries, little-endian (spec §5)", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      map.update(0x0102030405, 0, 0, 0x0a0b)
      map.update(0x0102030405, 1023, 24, 4000)
      const saved = map.save()
      assert.strictEqual(saved.length, 51216)
      assert.strictEqual(IndexPageMap.savedSize(oneGigabyte), 51216)
      assert.strictEqual(Buffer.from(saved.subarray(0, 8)).toString("latin1"), "ALBIPM02")
      assert.strictEqual(Buffer.from(saved.subarray(8, 16)).toString("hex"), "0504030201000000")
      assert.strictEqual(Buffer.from(saved.subarray(16, 18)).toString("hex"), "0b0a")
      const view = new DataView(saved.buffer)
      assert.strictEqual(view.getUint16(16 + 2 * (1023 * 25 + 24), true), 4000)
    }))

  it.effect("loads what it saved, ignoring padding after it", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      withExample(map)
      const region = new Uint8Array(13 * 4096).fill(0xee)
      region.set(map.save())
      const other = yield* IndexPageMap.make(oneGigabyte)
      yield* other.load(region)
      assert.strictEqual(other.lastUpdate(), 812)
      assert.deepStrictEqual(other.bounds(12, 1), { lowest: 157, highest: 314 })
      assert.deepStrictEqual(other.save(), map.save())
    }))

  it.effect("rejects a bad magic with CorruptData and keeps its state", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      withExample(map)
      const saved = map.save()
      saved[7] = 0x33
      const exit = yield* Effect.exit(map.load(saved))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(map.load(saved))
      assert.strictEqual(error._tag, "CorruptData")
      assert.include(error.message, "ALBIPM02")
      assert.strictEqual(map.lastUpdate(), 812)
    }))

  it.effect("rejects a saved map that is too short with CorruptData naming the sizes", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      const error = yield* Effect.flip(map.load(map.save().subarray(0, 51215)))
      assert.strictEqual(error._tag, "CorruptData")
      assert.include(error.message, "51215 bytes, expected 51216")
    }))

  it("decodes and encodes the save format as pure functions", () => {
    const small = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 64, chaptersPerVolume: 8 })
    const entries = new Uint16Array(8 * 6).map((_, i) => i * 3)
    const bytes = IndexPageMap.encode(small, { lastUpdate: 77, entries })
    const state = Either.getOrThrow(IndexPageMap.decode(small, bytes))
    assert.strictEqual(state.lastUpdate, 77)
    assert.deepStrictEqual(Array.from(state.entries), Array.from(entries))
    assert.isTrue(Either.isLeft(IndexPageMap.decode(small, new Uint8Array(bytes.length))))
  })

  it.effect("rebuilds from decoded index page headers and then finds every name's page", () =>
    Effect.gen(function*() {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 64, chaptersPerVolume: 8 })
      const map = yield* IndexPageMap.make(geometry)
      const records = RecordGenerator.chapters(geometry, 1, 10, 10)[0]!
      const packed = ChapterIndex.packChapter(geometry, 9n, 10, records, geometry.recordsPerChapter)
      const decoded = packed.pages.map((bytes) => Either.getOrThrow(ChapterIndex.decodePage(geometry, 9n, bytes)))
      decoded.forEach((page, k) => map.update(page.virtualChapter, 2, k, page.highestList))
      assert.strictEqual(map.lastUpdate(), 10)
      decoded.forEach((page, k) => {
        assert.strictEqual(map.lowestList(2, k), page.lowestList)
        assert.strictEqual(map.highestList(2, k), page.highestList)
        assert.strictEqual(map.highestList(2, k), packed.highestLists[k])
      })
      for (let i = 0; i < geometry.recordsPerChapter; i += 7) {
        const name = records.subarray(32 * i, 32 * i + 16)
        const page = decoded[map.findIndexPage(name, 2)]!
        assert.strictEqual(page.search(name), Math.floor(i / geometry.recordsPerPage))
      }
    }))

  it.effect("answers through its layer", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.IndexPageMap
      map.update(5, 0, 0, 3000)
      map.update(5, 0, 1, 3500)
      assert.strictEqual(map.findIndexPage(nameInList(2999), 0), 0)
      assert.strictEqual(map.findIndexPage(nameInList(3001), 0), 1)
      assert.strictEqual(map.findIndexPage(nameInList(3501), 0), 25)
    }).pipe(Effect.provide(IndexPageMap.layer(oneGigabyte))))

  it.effect("always answers page 0 when a chapter has a single index page", () =>
    Effect.gen(function*() {
      const single = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 8, chaptersPerVolume: 16 })
      const map = yield* IndexPageMap.make(single)
      map.update(3, 3, 0, 15)
      assert.strictEqual(map.findIndexPage(nameInList(9), 3), 0)
      assert.deepStrictEqual(map.bounds(3, 0), { lowest: 0, highest: 15 })
      assert.strictEqual(map.save().length, 16)
    }))

  it.effect("lastUpdate never goes backwards: learning an older chapter's map keeps the newest", () =>
    Effect.gen(function*() {
      const map = yield* IndexPageMap.make(oneGigabyte)
      map.update(20, 4, 0, 150)
      assert.strictEqual(map.lastUpdate(), 20)
      // A boundary search learns chapter 7's map from its own pages, long after chapter 20 was written.
      map.update(7, 7, 0, 160)
      map.update(7, 7, 25, 4095)
      assert.strictEqual(map.lastUpdate(), 20)
      assert.strictEqual(map.highestList(7, 0), 160, "the older chapter's entries are still recorded")
      assert.strictEqual(IndexPageMap.decode(oneGigabyte, map.save()).pipe(Either.getOrThrow).lastUpdate, 20)
      map.update(21, 5, 0, 140)
      assert.strictEqual(map.lastUpdate(), 21)
    }))

  it.effect("decode and load of something that is not a Uint8Array is CorruptData, not a crash", () =>
    Effect.gen(function*() {
      for (const bytes of [null, undefined, "ALBIPM02", [65, 76]]) {
        const decoded = IndexPageMap.decode(oneGigabyte, bytes as unknown as Uint8Array)
        assert.isTrue(Either.isLeft(decoded) && decoded.left.message.includes("must be a Uint8Array"), String(bytes))
        const map = yield* IndexPageMap.make(oneGigabyte)
        const error = yield* Effect.flip(map.load(bytes as unknown as Uint8Array))
        assert.strictEqual(error._tag, "CorruptData")
      }
    }))
})
