// The file device's default adaptive reads: on the calling thread while reads
// are fast, through the thread pool while they are slow, back again after a
// fast probe. A real file; the clock the device times its reads with is the
// test's, so "slow" does not depend on this machine's speed.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Layer } from "effect"
import { BlockDevice, PageCache, ReadQueue } from "@effect-uds/volume"
import { memoryVolume, NONCE, smallGeometry, writeChapters } from "../support/volumes.js"

const geometry = smallGeometry
const recordPage = (k: number) => 1 + geometry.indexPagesPerChapter + k

/** A clock that moves only when the device reads it: each reading advances it by `step` ms. */
const steppingClock = () => {
  const clock = { now: 0, step: 0.001 }
  return { clock, read: () => (clock.now += clock.step) }
}

// A read queue over a file holding chapter 0, the device timing its reads with `clock`.
const setup = (clock: () => number) =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-adaptive-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    )
    const bytes = new Uint8Array(geometry.bytesPerVolume)
    yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 0), memoryVolume(geometry, bytes)))
    const file = path.join(dir, "volume")
    fs.writeFileSync(file, bytes)
    const layer = ReadQueue.layer({ geometry, nonce: NONCE }).pipe(
      Layer.provideMerge(PageCache.layer({ geometry, cacheChapters: 1 })),
      Layer.provideMerge(BlockDevice.layerFile(file, {
        adaptiveReads: { slowReadMicros: 100, retryAfterMillis: 10, clock }
      }))
    )
    const context = yield* Layer.build(layer)
    return { bytes, queue: Context.get(context, ReadQueue.ReadQueue), device: Context.get(context, BlockDevice.BlockDevice) }
  })

const pageBytes = (bytes: Uint8Array, page: number) =>
  bytes.slice(page * geometry.bytesPerPage, (page + 1) * geometry.bytesPerPage)

describe("BlockDevice.layerFile adaptive reads", () => {
  it.scopedLive("reads synchronously while reads are fast, goes to the thread pool after a slow one, and comes back after a fast probe", () =>
    Effect.gen(function*() {
      const { clock, read } = steppingClock()
      const { bytes, queue } = yield* setup(read)
      // Fast reads (1 µs each on the device's clock): read at once.
      const fast = queue.readNow(recordPage(0))
      assert.isDefined(fast)
      assert.deepStrictEqual(fast!.recordPage, pageBytes(bytes, recordPage(0)))

      // One read of 5 ms (over 20 × 100 µs): the device switches to the thread pool.
      clock.step = 5
      assert.isDefined(queue.readNow(recordPage(1)))
      clock.step = 0.001
      assert.isUndefined(queue.readNow(recordPage(2)), "after a slow read, reads go through the queue")
      // Queued reads still work, through the thread pool.
      const queued = queue.request(recordPage(2))!
      yield* Deferred.await(queued.done)
      assert.deepStrictEqual(queued.recordPage, pageBytes(bytes, recordPage(2)))

      // No probe is due until 10 ms have passed on the clock.
      assert.isUndefined(queue.readNow(recordPage(3)))
      clock.now += 10
      // The probe is fast: synchronous reads are back.
      assert.isDefined(queue.readNow(recordPage(3)))
      assert.isDefined(queue.readNow(recordPage(4)))
    }))

  it.scopedLive("a slow probe keeps the thread pool and doubles the wait before the next", () =>
    Effect.gen(function*() {
      const { clock, read } = steppingClock()
      const { queue } = yield* setup(read)
      clock.step = 5
      assert.isDefined(queue.readNow(recordPage(0)))
      clock.step = 0.001
      assert.isUndefined(queue.readNow(recordPage(1)))
      // The first probe is due 10 ms later; it is slow too.
      clock.now += 10
      clock.step = 5
      assert.isDefined(queue.readNow(recordPage(1)), "the probe reads synchronously")
      // The next probe is due 20 ms after that one: not after 10.
      clock.step = 0.001
      clock.now += 10
      assert.isUndefined(queue.readNow(recordPage(2)))
      clock.now += 10
      assert.isDefined(queue.readNow(recordPage(2)))
      assert.isDefined(queue.readNow(recordPage(3)))
    }))

  it.scopedLive("a moving average of moderately slow reads switches too, a single one does not", () =>
    Effect.gen(function*() {
      const { clock, read } = steppingClock()
      const { queue } = yield* setup(read)
      // 300 µs: slower than 100 µs, not 20 times slower. One such read leaves the average below.
      clock.step = 0.3
      assert.isDefined(queue.readNow(recordPage(0)))
      assert.isDefined(queue.readNow(recordPage(1)), "one moderately slow read does not switch")
      // The average of 1/8 weight crosses 100 µs after a few more.
      let reads = 2
      while (queue.readNow(recordPage(reads % geometry.recordPagesPerChapter)) !== undefined) reads++
      assert.isBelow(reads, 10)
    }))

  it.scopedLive("the device's read and readInto follow the mode, and give the file's bytes either way", () =>
    Effect.gen(function*() {
      const { clock, read } = steppingClock()
      const { bytes, device } = yield* setup(read)
      const page = recordPage(0)
      // Synchronous now: the read completes without an event loop turn.
      const now = Effect.runSyncExit(device.read(page * geometry.bytesPerPage, geometry.bytesPerPage))
      assert.isTrue(Exit.isSuccess(now))
      clock.step = 5
      yield* device.read(page * geometry.bytesPerPage, geometry.bytesPerPage)
      clock.step = 0.001
      // Asynchronous now: running it synchronously cannot complete it.
      const later = Effect.runSyncExit(device.read(page * geometry.bytesPerPage, geometry.bytesPerPage))
      assert.isTrue(Exit.isFailure(later))
      const target = new Uint8Array(geometry.bytesPerPage)
      yield* BlockDevice.readInto(device, page * geometry.bytesPerPage, target)
      assert.deepStrictEqual(target, pageBytes(bytes, page))
    }))

  it.effect("bad adaptiveReads tuning is an InvalidArgument saying what is allowed", () =>
    Effect.gen(function*() {
      const file = path.join(os.tmpdir(), "uds-adaptive-never-created")
      for (
        const adaptiveReads of [
          { slowReadMicros: 0 },
          { slowReadMicros: Number.NaN },
          { retryAfterMillis: -1 },
          { clock: 3 as unknown as () => number }
        ]
      ) {
        const error = yield* Effect.flip(Layer.build(BlockDevice.layerFile(file, { adaptiveReads })).pipe(Effect.scoped))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.match(error.message, /adaptiveReads\.\w+ must be/)
      }
    }))
})
