import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import { BlockDevice, type Geometry, Volume } from "@effect-uds/volume"
import {
  absentName, chapterRecords, memoryVolume as memoryVolumeLayer, multiIndexGeometry, NONCE,
  openMemoryVolume as openMemory, recordAt, smallGeometry, writeChapters
} from "../support/volumes.js"

type VolumeOptions = { readonly cacheChapters?: number; readonly readThreads?: number }

/**
 * A file device opened with `syncReads` over a temporary copy of `bytes`,
 * whose writes also land in `bytes` (so tests can reopen it and look at it).
 */
const syncReadsFile = (bytes: Uint8Array) =>
  Layer.scoped(
    BlockDevice.BlockDevice,
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-volume-test-"))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      const file = path.join(dir, "volume.bin")
      fs.writeFileSync(file, bytes)
      const context = yield* Layer.build(BlockDevice.layerFile(file, { syncReads: true }))
      const device = Context.get(context, BlockDevice.BlockDevice)
      return {
        ...device,
        write: (offset: number, data: Uint8Array) => Effect.tap(device.write(offset, data), () => bytes.set(data, offset))
      }
    }).pipe(Effect.orDie)
  )

const syncReadsVolume = (geometry: Geometry.Geometry, bytes: Uint8Array, options: VolumeOptions = {}) =>
  Volume.layer({ geometry, nonce: NONCE, ...options }).pipe(Layer.provide(syncReadsFile(bytes)))

/** The devices the suite runs over. */
const devices = [
  { device: "memory", volumeLayer: memoryVolumeLayer },
  { device: "file with syncReads", volumeLayer: syncReadsVolume }
] as const

const lookupAll = (records: Uint8Array, chapter: number, step = 1) =>
  Effect.gen(function*() {
    const volume = yield* Volume.Volume
    let found = 0
    for (let i = 0; i < records.length / 32; i += step) {
      const { data, name } = recordAt(records, i)
      const result = yield* volume.lookup(name, chapter)
      assert.isTrue(Option.isSome(result), `record ${i} of chapter ${chapter} found`)
      assert.deepStrictEqual(Option.getOrThrow(result), data.slice())
      found++
    }
    return found
  })

for (const { device, volumeLayer } of devices) {
const openVolume = (geometry: Geometry.Geometry, bytes: Uint8Array, options: VolumeOptions = {}) =>
  device === "memory"
    ? openMemory(geometry, bytes, options)
    : Effect.map(Layer.build(volumeLayer(geometry, bytes, options)), (context) => Context.get(context, Volume.Volume))

describe(`Volume over ${device}`, () => {
  for (const [label, geometry] of [["one index page", smallGeometry], ["seven index pages", multiIndexGeometry]] as const) {
    it.scoped(`finds every record written and no absent name (${label})`, () =>
      Effect.gen(function*() {
        const bytes = new Uint8Array(geometry.bytesPerVolume)
        yield* writeChapters(geometry, 0, 2).pipe(Effect.provide(volumeLayer(geometry, bytes)))
        for (let chapter = 0; chapter <= 2; chapter++) {
          yield* lookupAll(chapterRecords(geometry, chapter), chapter).pipe(Effect.provide(volumeLayer(geometry, bytes)))
        }
        const volume = yield* openVolume(geometry, bytes)
        for (let i = 0; i < 200; i++) {
          assert.isTrue(Option.isNone(yield* volume.lookup(absentName(i), i % 3)))
        }
      }))

    it.scoped(`reopened over the same bytes finds records at once without a saved map (${label})`, () =>
      Effect.gen(function*() {
        const bytes = new Uint8Array(geometry.bytesPerVolume)
        yield* Effect.scoped(Layer.build(volumeLayer(geometry, bytes)).pipe(
          Effect.flatMap((context) => writeChapters(geometry, 0, 3).pipe(Effect.provide(context)))
        ))
        const found = yield* lookupAll(chapterRecords(geometry, 3), 3, 7).pipe(
          Effect.provide(volumeLayer(geometry, bytes, { cacheChapters: 1 }))
        )
        assert.isAbove(found, 0)
      }))
  }

  it.scoped("a name looked up in a chapter that holds another virtual chapter is not found", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const volume = yield* openVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      yield* volume.writeChapter(16, chapterRecords(geometry, 16))
      const { name } = recordAt(chapterRecords(geometry, 16), 5)
      assert.isTrue(Option.isSome(yield* volume.lookup(name, 16)))
      assert.isTrue(Option.isNone(yield* volume.lookup(name, 0)))
    }))

  it.scoped("a short chapter is padded with its last record, and every given record is found", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const volume = yield* openVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      const records = chapterRecords(geometry, 0).slice(0, 300 * 32)
      yield* volume.writeChapter(0, records)
      for (let i = 0; i < 300; i++) {
        const { data, name } = recordAt(records, i)
        assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, 0)), data.slice())
      }
      // The last record page holds only fill copies of record 299.
      const lastPage = yield* volume.getPage(0, geometry.indexPagesPerChapter + geometry.recordPagesPerChapter - 1)
      const last = recordAt(records, 299)
      for (let slot = 0; slot < geometry.recordsPerPage; slot++) {
        assert.deepStrictEqual(lastPage.subarray(slot * 32, slot * 32 + 32), records.subarray(299 * 32, 300 * 32))
      }
      assert.isTrue(Option.isSome(yield* volume.lookup(last.name, 0)))
    }))

  it.scoped("lookupCached fails with Queued on a cold page and finds the record after ready", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 1), volumeLayer(geometry, bytes)))
      const volume = yield* openVolume(geometry, bytes)
      const { data, name } = recordAt(chapterRecords(geometry, 1), 77)
      // First the index page, then the record page, is missing.
      const pagesQueued: Array<number> = []
      for (let wait = 0; wait < 2; wait++) {
        const queued = yield* Effect.flip(volume.lookupCached(name, 1))
        assert.strictEqual(queued._tag, "Queued")
        if (queued._tag !== "Queued") return
        pagesQueued.push(queued.physicalPage)
        yield* queued.ready
      }
      assert.deepStrictEqual(pagesQueued[0], 1 + geometry.pagesPerChapter)
      assert.isAbove(pagesQueued[1]!, 1 + geometry.pagesPerChapter)
      assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookupCached(name, 1)), data.slice())
    }))

  it.scoped("findChapterBoundaries reports an empty volume on zeroed storage", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const volume = yield* openVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 0, highest: 0, isEmpty: true })
    }))

  it.scoped("findChapterBoundaries finds the oldest and newest chapter after a wrap", () =>
    Effect.gen(function*() {
      const geometry = multiIndexGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 10), volumeLayer(geometry, bytes)))
      const volume = yield* openVolume(geometry, bytes)
      assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 3, highest: 10, isEmpty: false })
    }))

  it.scoped("readChapterIndex gives every index page of a chapter, and CorruptData once it is overwritten", () =>
    Effect.gen(function*() {
      const geometry = multiIndexGeometry
      const volume = yield* openVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      yield* writeChapters(geometry, 0, 8).pipe(Effect.provideService(Volume.Volume, volume))
      const pages = yield* volume.readChapterIndex(8)
      assert.strictEqual(pages.length, geometry.indexPagesPerChapter)
      assert.deepStrictEqual(pages.map((page) => page.virtualChapter), pages.map(() => 8))
      assert.strictEqual(pages[0]!.lowestList, 0)
      assert.strictEqual(pages[pages.length - 1]!.highestList, geometry.deltaListsPerChapter - 1)
      const error = yield* Effect.flip(volume.readChapterIndex(0))
      assert.strictEqual(error._tag, "CorruptData")
      assert.include(error.message, "virtual chapter 8")
    }))

  it.scoped("readChapterIndex on a freshly opened volume learns the page map from the chapter's pages", () =>
    Effect.gen(function*() {
      const geometry = multiIndexGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 2), volumeLayer(geometry, bytes)))
      const volume = yield* openVolume(geometry, bytes)
      const pages = yield* volume.readChapterIndex(1)
      assert.deepStrictEqual(pages.map((page) => page.virtualChapter), pages.map(() => 1))
      const { data, name } = recordAt(chapterRecords(geometry, 1), 4000)
      assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, 1)), data.slice())
    }))

  it.scoped("getPage returns the bytes written, and forgetChapter makes the next read go to the device", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const volume = yield* openVolume(geometry, bytes)
      yield* volume.writeChapter(2, chapterRecords(geometry, 2))
      const offset = (1 + 2 * geometry.pagesPerChapter + 3) * geometry.bytesPerPage
      const page = yield* volume.getPage(2, 3)
      assert.deepStrictEqual(page, bytes.slice(offset, offset + geometry.bytesPerPage))
      const before = yield* volume.stats
      yield* volume.getPage(2, 3)
      assert.strictEqual((yield* volume.stats).pagesRead, before.pagesRead)
      yield* volume.forgetChapter(2)
      yield* volume.getPage(2, 3)
      assert.strictEqual((yield* volume.stats).pagesRead, before.pagesRead + 1)
    }))

  it.scoped("stats count hits, misses and page reads", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 0), volumeLayer(geometry, bytes)))
      const volume = yield* openVolume(geometry, bytes)
      const { name } = recordAt(chapterRecords(geometry, 0), 3)
      yield* volume.lookup(name, 0)
      yield* volume.lookup(name, 0)
      const stats = yield* volume.stats
      assert.strictEqual(stats.pagesRead, 2)
      // A synchronous read is done at once, never queued.
      assert.strictEqual(stats.readsQueued, device === "memory" ? 2 : 0)
      assert.isAtLeast(stats.cacheHits, 2)
      assert.isAtLeast(stats.cacheMisses, 2)
      assert.strictEqual(stats.evictions, 0)
    }))

  describe("rejects bad input with InvalidArgument", () => {
    const volumeEffect = openVolume(smallGeometry, new Uint8Array(smallGeometry.bytesPerVolume))
    const cases: ReadonlyArray<readonly [string, (volume: Volume.Service) => Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>, string]> = [
      ["a 15-byte name", (v) => v.lookup(new Uint8Array(15), 0), "16 bytes"],
      ["a negative chapter", (v) => v.lookup(new Uint8Array(16), -1), "non-negative"],
      ["a fractional chapter", (v) => v.lookupCached(new Uint8Array(16), 1.5), "non-negative"],
      ["records not a multiple of 32 bytes", (v) => v.writeChapter(0, new Uint8Array(33)), "multiple of 32"],
      ["no records", (v) => v.writeChapter(0, new Uint8Array(0)), "1 to 1024"],
      ["more records than a chapter", (v) => v.writeChapter(0, new Uint8Array(1025 * 32)), "1 to 1024"],
      ["a physical chapter out of range", (v) => v.getPage(16, 0), "0 to 15"],
      ["a page out of range", (v) => v.getPage(0, 9), "0 to 8"]
    ]
    for (const [what, run, mentions] of cases) {
      it.scoped(what, () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(run(yield* volumeEffect))
          assert.strictEqual(error._tag, "InvalidArgument")
          assert.include(error.message, mentions)
        }))
    }

    it.effect("a device smaller than the volume", () =>
      Effect.gen(function*() {
        const layer = Volume.layer({ geometry: smallGeometry, nonce: NONCE }).pipe(
          Layer.provide(BlockDevice.layerMemory({ size: smallGeometry.bytesPerVolume - 1 }))
        )
        const error = yield* Effect.flip(Effect.scoped(Layer.build(layer)))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.include(error.message, "smaller than the volume")
      }))

    it.effect("a cache too large for 15-bit slot numbers", () =>
      Effect.gen(function*() {
        const layer = Volume.layer({ geometry: smallGeometry, nonce: NONCE, cacheChapters: 5000 }).pipe(
          Layer.provide(BlockDevice.layerMemory({ size: smallGeometry.bytesPerVolume }))
        )
        const error = yield* Effect.flip(Effect.scoped(Layer.build(layer)))
        assert.include(error.message, "cacheChapters")
      }))
  })

  it.effect("closing the scope interrupts a lookup waiting on a hung device and stops the readers", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 0), volumeLayer(geometry, bytes)))
      const device = BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        Volume.layer({ geometry, nonce: NONCE }).pipe(Layer.provideMerge(device)),
        scope
      )
      const control = Context.get(context, BlockDevice.FaultControl)
      const volume = Context.get(context, Volume.Volume)
      yield* control.hang({ operation: "read" })
      const lookup = yield* Effect.fork(volume.lookup(recordAt(chapterRecords(geometry, 0), 0).name, 0))
      while ((yield* control.hanging) === 0) yield* Effect.yieldNow()
      yield* Scope.close(scope, Exit.void)
      const exit = yield* Fiber.await(lookup)
      assert.isTrue(Exit.isInterrupted(exit))
      // The reader that was stuck in the hung read was interrupted with the scope.
      assert.strictEqual(yield* control.hanging, 0)
    }))
})
}
