import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { BlockDevice, PageCache, ReadQueue } from "@effect-uds/volume"
import { memoryVolume, NONCE, smallGeometry, writeChapters } from "../support/volumes.js"

const geometry = smallGeometry

// A queue over a faulty memory device holding chapter 0, with its cache and fault control.
const setup = (options: { readonly capacity?: number } = {}) =>
  Effect.gen(function*() {
    const bytes = new Uint8Array(geometry.bytesPerVolume)
    yield* Effect.scoped(Effect.provide(writeChapters(geometry, 0, 0), memoryVolume(geometry, bytes)))
    const device = BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))
    const layer = ReadQueue.layer({ geometry, nonce: NONCE, ...options }).pipe(
      Layer.provideMerge(PageCache.layer({ geometry, cacheChapters: 1 })),
      Layer.provideMerge(device)
    )
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(layer, scope)
    return {
      bytes,
      scope,
      queue: Context.get(context, ReadQueue.ReadQueue),
      cache: Context.get(context, PageCache.PageCache),
      control: Context.get(context, BlockDevice.FaultControl)
    }
  })

const indexPage0 = 1
const recordPage0 = 1 + geometry.indexPagesPerChapter

describe("ReadQueue", () => {
  it.live("joins every request for one page into one read, which installs the page", () =>
    Effect.gen(function*() {
      const { bytes, cache, control, queue, scope } = yield* setup()
      yield* control.delay({ operation: "read", duration: "5 millis" })
      const first = queue.request(recordPage0)!
      const second = queue.request(recordPage0)!
      assert.strictEqual(first, second)
      yield* Deferred.await(first.done)
      assert.strictEqual((yield* control.counts).reads, 1)
      const offset = recordPage0 * geometry.bytesPerPage
      assert.deepStrictEqual(first.recordPage, bytes.slice(offset, offset + geometry.bytesPerPage))
      assert.strictEqual(cache.recordPage(recordPage0), first.recordPage)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("decodes index pages before installing them", () =>
    Effect.gen(function*() {
      const { cache, queue, scope } = yield* setup()
      const read = yield* queue.requestWaiting(indexPage0)
      yield* Deferred.await(read.done)
      assert.strictEqual(read.indexPage?.virtualChapter, 0)
      assert.strictEqual(cache.indexPage(indexPage0), read.indexPage)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a failed read reports the IoError to its waiters and caches nothing; the next request reads afresh", () =>
    Effect.gen(function*() {
      const { cache, control, queue, scope } = yield* setup()
      yield* control.fail({ operation: "read", times: 1 })
      const failed = queue.request(recordPage0)!
      yield* Deferred.await(failed.done)
      assert.strictEqual(failed.error?._tag, "IoError")
      assert.isUndefined(cache.recordPage(recordPage0))
      const retried = queue.request(recordPage0)!
      assert.notStrictEqual(retried, failed)
      yield* Deferred.await(retried.done)
      assert.isUndefined(retried.error)
      assert.strictEqual(queue.stats().readFailures, 1)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("an index page that does not decode is CorruptData naming the page", () =>
    Effect.gen(function*() {
      const { queue, scope } = yield* setup()
      // Chapter 1 was never written: zeros fail the nonce check.
      const page = 1 + geometry.pagesPerChapter
      const read = queue.request(page)!
      yield* Deferred.await(read.done)
      assert.strictEqual(read.error?._tag, "CorruptData")
      assert.include(read.error!.message, `physical page ${page}`)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a read invalidated while in flight is discarded, not cached", () =>
    Effect.gen(function*() {
      const { cache, control, queue, scope } = yield* setup()
      yield* control.hang({ operation: "read" })
      const read = queue.request(recordPage0)!
      while ((yield* control.hanging) === 0) yield* Effect.yieldNow()
      queue.invalidate(recordPage0)
      yield* control.release
      yield* Deferred.await(read.done)
      assert.isTrue(read.invalid)
      assert.isUndefined(cache.recordPage(recordPage0))
      assert.strictEqual(queue.stats().readsDiscarded, 1)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("when full, request refuses and requestWaiting waits for room", () =>
    Effect.gen(function*() {
      const { control, queue, scope } = yield* setup({ capacity: 2 })
      yield* control.hang({ operation: "read" })
      assert.isDefined(queue.request(recordPage0))
      assert.isDefined(queue.request(recordPage0 + 1))
      assert.isUndefined(queue.request(recordPage0 + 2))
      // Joining a page already queued needs no room.
      assert.isDefined(queue.request(recordPage0))
      const waiting = yield* Effect.fork(queue.requestWaiting(recordPage0 + 2))
      yield* control.release
      const read = yield* Fiber.join(waiting)
      yield* Deferred.await(read.done)
      assert.isUndefined(read.error)
      assert.strictEqual(queue.stats().queueFullWaits, 1)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("closing the scope interrupts waiting requests and refuses new ones", () =>
    Effect.gen(function*() {
      const { control, queue, scope } = yield* setup({ capacity: 1 })
      yield* control.hang({ operation: "read" })
      const read = queue.request(recordPage0)!
      const waitingForRoom = yield* Effect.fork(queue.requestWaiting(recordPage0 + 1))
      const waitingForRead = yield* Effect.fork(Deferred.await(read.done))
      while ((yield* control.hanging) === 0) yield* Effect.yieldNow()
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(waitingForRead)))
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(waitingForRoom)))
      assert.isTrue(Exit.isInterrupted(yield* Effect.exit(Deferred.await(queue.request(recordPage0 + 2)!.done))))
      assert.strictEqual(yield* control.hanging, 0)
    }))

  it.effect("rejects a reader count outside 1..16", () =>
    Effect.gen(function*() {
      const layer = ReadQueue.layer({ geometry, nonce: NONCE, readThreads: 17 }).pipe(
        Layer.provide(PageCache.layer({ geometry })),
        Layer.provide(BlockDevice.layerMemory({ size: geometry.bytesPerVolume }))
      )
      const error = yield* Effect.flip(Effect.scoped(Layer.build(layer)))
      assert.include(error.message, "readThreads must be an integer from 1 to 16")
    }))
})
