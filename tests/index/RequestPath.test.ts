// The index's synchronous request path: the volume region's sub-device
// passes the file device's direct reader on (shifted to the region), and the
// volume's synchronous entry (tryLookup) gives lookup's answers, or says it
// must wait, never a different answer.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { Index, IndexConfig } from "@effect-uds/index"
import { BlockDevice, Volume } from "@effect-uds/volume"
import { directReaderOf } from "@effect-uds/volume/internal/device/directRead"
import { NEEDS_LOOKUP, syncLookupOf, type TryLookup } from "@effect-uds/volume/internal/volume/lookup"
import { subDevice } from "../../packages/index/src/internal/index/subDevice.js"
import { dataOf, nameAt, seedNames, tinyConfig } from "../support/wholeIndex.js"
import { absentName, chapterRecords, memoryVolume, multiIndexGeometry, NONCE, recordAt, writeChapters } from "../support/volumes.js"

const geometry = multiIndexGeometry
const CHAPTERS = 4

const tempFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-reqpath-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "device.bin")))

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i])

describe("the index's request path", () => {
  it.scoped("a sub-device of a file device reads its own range directly, and refuses reads outside it", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const bytes = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7 + (i >>> 8) * 13 + (i >>> 16)) & 0xff)
      fs.writeFileSync(file, bytes)
      const device = Context.get(yield* Layer.build(BlockDevice.layerFile(file, { syncReads: true })), BlockDevice.BlockDevice)
      const start = 8192
      const region = subDevice(device, start, 32 * 1024)
      const direct = directReaderOf(region)
      assert.isDefined(direct)
      const target = new Uint8Array(4096)
      assert.isUndefined(direct!.readSync!(4096, target))
      assert.isTrue(sameBytes(target, bytes.subarray(start + 4096, start + 8192)))
      const outside = direct!.readSync!(30 * 1024, target)
      assert.strictEqual(outside?._tag, "IoError")
      // The asynchronous way in reads the same range.
      const later = new Uint8Array(4096)
      const error = yield* Effect.async<unknown>((resume) => direct!.read(0, later, (e) => resume(Effect.succeed(e))))
      assert.isUndefined(error)
      assert.isTrue(sameBytes(later, bytes.subarray(start, start + 4096)))
      // A device with no direct reader gives a sub-device with none.
      const memory = Context.get(yield* Layer.build(BlockDevice.layerMemory({ size: 64 * 1024 })), BlockDevice.BlockDevice)
      assert.isUndefined(directReaderOf(subDevice(memory, start, 4096)))
    }))

  it.scoped("tryLookup on a file volume answers at once, as lookup does", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const volume = Context.get(
        yield* Layer.build(Volume.layer({ geometry, nonce: NONCE, cacheChapters: 1 }).pipe(
          Layer.provide(BlockDevice.layerFile(file, { create: true, size: geometry.bytesPerVolume, syncReads: true }))
        )),
        Volume.Volume
      )
      yield* writeChapters(geometry, 0, CHAPTERS - 1).pipe(Effect.provideService(Volume.Volume, volume))
      const tryLookup = syncLookupOf(volume)?.tryLookup
      assert.isDefined(tryLookup)
      let answered = 0
      for (let chapter = 0; chapter < CHAPTERS; chapter++) {
        const records = chapterRecords(geometry, chapter)
        for (let i = 0; i < geometry.recordsPerChapter; i += 97) {
          const { data, name } = recordAt(records, i)
          const now: TryLookup = tryLookup!(name, chapter)
          // Not answered (the chapter's map is not learned yet, or the read budget is spent): lookup's turn.
          const later = yield* volume.lookup(name, chapter)
          assert.isTrue(sameBytes(Option.getOrUndefined(later), data))
          if (typeof now === "number") continue
          answered++
          assert.instanceOf(now, Uint8Array, `record ${i} of chapter ${chapter}`)
          assert.isTrue(sameBytes(now as Uint8Array, data))
        }
        assert.isNull(tryLookup!(absentName(chapter), chapter))
        // A record of another chapter is not in this one.
        assert.isNull(tryLookup!(recordAt(chapterRecords(geometry, (chapter + 1) % CHAPTERS), 5).name, chapter))
      }
      // Reads on the calling thread answer nearly all (the budget of synchronous reads may defer a few).
      assert.isAbove(answered, CHAPTERS * 40)
    }))

  it.scoped("tryLookup with nothing cached says what it needs; after lookup reads it, it answers", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const writer = yield* Layer.build(memoryVolume(geometry, bytes))
      yield* writeChapters(geometry, 0, CHAPTERS - 1).pipe(Effect.provideService(Volume.Volume, Context.get(writer, Volume.Volume)))
      // Reopened: an empty cache and no chapter map learned yet.
      const volume = Context.get(yield* Layer.build(memoryVolume(geometry, bytes)), Volume.Volume)
      const tryLookup = syncLookupOf(volume)!.tryLookup
      const { data, name } = recordAt(chapterRecords(geometry, 2), 300)
      assert.strictEqual(tryLookup(name, 2), NEEDS_LOOKUP)
      const looked = yield* volume.lookup(name, 2)
      assert.isTrue(sameBytes(Option.getOrUndefined(looked), data))
      const now = tryLookup(name, 2)
      assert.instanceOf(now, Uint8Array)
      assert.isTrue(sameBytes(now as Uint8Array, data))
      // Bad input is left to lookup, which refuses it with its typed error.
      assert.strictEqual(tryLookup(new Uint8Array(3), 2), NEEDS_LOOKUP)
      assert.strictEqual(tryLookup(name, -1), NEEDS_LOOKUP)
    }))

  it.scoped("queries that need more pages than one turn of the event loop may read all answer right (repeated names)", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const config = tinyConfig()
      const perChapter = config.geometry.recordsPerChapter
      // Chapters 1–3 closed (105 pages, more than a turn of the event loop
      // reads synchronously here), chapter 4 open; chapter 0 expired as it opened.
      const count = 4 * perChapter + 100
      const names = seedNames(count)
      const size = config.offset + IndexConfig.indexSize(config)
      // The device lives as long as the index: its scope is the one the index closes (saves) in.
      const open = (options: Index.Options) =>
        Effect.flatMap(
          Layer.build(BlockDevice.layerFile(file, { create: options.open === "create", size })),
          (device) => Effect.provide(Index.make(config, options), device)
        )
      yield* Effect.scoped(Effect.gen(function*() {
        const index = yield* open({ open: "create" })
        for (let k = 0; k < count; k++) yield* index.post(nameAt(names, k), dataOf(k))
        // Posted again: found, with their first data, and moved to the open chapter.
        for (let k = perChapter; k < perChapter + 300; k++) {
          assert.isTrue((yield* index.post(nameAt(names, k), dataOf(count + k))).found)
        }
      }))
      // Loaded: an empty page cache, so the queries read every page, on the calling thread while the budget allows.
      const index = yield* open({ open: "load" })
      const picked = Array.from({ length: Math.floor(count / 5) }, (_, i) => i * 5)
      const wrong: Array<number> = []
      yield* Effect.forEach([...picked, ...picked], (k) =>
        Effect.map(index.queryNoUpdate(nameAt(names, k)), (result) => {
          const right = k < perChapter
            ? !result.found
            : sameBytes(Option.getOrUndefined(result.oldData), dataOf(k))
          if (!right) wrong.push(k)
        }), { concurrency: 500, discard: true })
      assert.deepStrictEqual(wrong, [])
      const stats = yield* index.stats
      assert.strictEqual(stats.entriesIndexed, count - perChapter)
    }))
})
