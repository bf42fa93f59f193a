/**
 * The read queue's implementation: one entry per page in `byPage`, a FIFO of
 * reads not yet started, reader fibers that take them in batches, and the
 * requests waiting for room. `ReadQueue.make` is `makeReadQueue`.
 */
import { Buffer as NodeBuffer } from "node:buffer"
import { Deferred, Effect, FiberId, type Scope } from "effect"
import { BlockDevice } from "../../BlockDevice.js"
import { PageCache } from "../../PageCache.js"
import type { Options, PageRead, Service } from "../../ReadQueue.js"
import { CorruptData, InvalidArgument, IoError } from "../../VolumeError.js"
import { type DirectReader, directReaderOf } from "../device/directRead.js"
import { makePageInstaller } from "./pageInstaller.js"
import { describeValue } from "./volumeInput.js"

/** Outstanding reads at most by default (the public `ReadQueue.DEFAULT_CAPACITY`). */
export const DEFAULT_CAPACITY = 4095

// Each reader takes up to this many queued reads at once and has them all in
// flight together: fewer trips through the queue, and the device sees a batch.
const READER_BATCH = 32

const EMPTY = new Uint8Array(0)

/**
 * A page buffer for the direct reader, not zero-filled first: the direct
 * reader writes every byte (it zero-fills what a short read leaves). A plain
 * Uint8Array over its own ArrayBuffer, not a Buffer, whose `slice` would
 * give views into the page instead of copies. Zero-filling 32 KiB was about
 * a tenth of a cache miss's cost.
 */
const unzeroedPage = (bytes: number): Uint8Array => new Uint8Array(NodeBuffer.allocUnsafeSlow(bytes).buffer, 0, bytes)

const newDeferred = (): Deferred.Deferred<void> => Deferred.unsafeMake<void>(FiberId.none)

/** The read queue for `options`, its reader fibers forked into the current scope. */
export const makeReadQueue = (
  options: Options
): Effect.Effect<Service, InvalidArgument, BlockDevice | PageCache | Scope.Scope> =>
  Effect.gen(function*() {
    const readThreads = options.readThreads ?? 2
    const capacity = options.capacity ?? DEFAULT_CAPACITY
    if (!Number.isSafeInteger(readThreads) || readThreads < 1 || readThreads > 16) {
      return yield* new InvalidArgument({ message: `readThreads must be an integer from 1 to 16, got ${describeValue(readThreads)}` })
    }
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      return yield* new InvalidArgument({ message: `read queue capacity must be a positive integer, got ${describeValue(capacity)}` })
    }
    const device = yield* BlockDevice
    const cache = yield* PageCache
    const { geometry, nonce } = options
    const { bytesPerPage } = geometry

    const direct = directReaderOf(device)
    const byPage = new Map<number, PageRead>()
    // Reads not yet started, oldest first, from `fifoHead` on.
    let fifo: Array<PageRead | undefined> = []
    let fifoHead = 0
    let outstanding = 0
    // Requests waiting for room, woken one per finished read, oldest first.
    const roomWaiters = new Set<Deferred.Deferred<void>>()
    // Reader fibers waiting for work.
    const idleReaders: Array<() => void> = []
    let closed = false
    let pagesRead = 0
    let readsQueued = 0
    let readFailures = 0
    let readsDiscarded = 0
    let queueFullWaits = 0

    const installer = makePageInstaller(geometry, nonce, cache)

    const finish = (read: PageRead) => {
      if (byPage.get(read.physicalPage) === read) byPage.delete(read.physicalPage)
      outstanding--
      Deferred.unsafeDone(read.done, Effect.void)
      wakeOneWaiter()
    }

    const wakeOneWaiter = () => {
      const next = roomWaiters.values().next()
      if (next.done === true) return
      roomWaiters.delete(next.value)
      Deferred.unsafeDone(next.value, Effect.void)
    }

    const takeNext = (): PageRead => {
      const read = fifo[fifoHead]!
      // Let go of the read (and so of its page), and drop the taken front now
      // and then: under steady load the queue may never run empty.
      fifo[fifoHead++] = undefined
      if (fifoHead === fifo.length) {
        fifo = []
        fifoHead = 0
      } else if (fifoHead >= 1024 && 2 * fifoHead >= fifo.length) {
        fifo = fifo.slice(fifoHead)
        fifoHead = 0
      }
      return read
    }

    const request = (physicalPage: number): PageRead | undefined => {
      const existing = byPage.get(physicalPage)
      if (existing !== undefined) return existing
      if (outstanding >= capacity && !closed) return undefined
      const read: PageRead = {
        physicalPage,
        done: newDeferred(),
        indexPage: undefined,
        recordPage: undefined,
        error: undefined,
        invalid: false
      }
      // After shutdown a request gets a read that is already interrupted.
      if (closed) {
        Deferred.unsafeDone(read.done, Effect.interrupt)
        return read
      }
      byPage.set(physicalPage, read)
      outstanding++
      readsQueued++
      fifo.push(read)
      idleReaders.pop()?.()
      return read
    }

    const requestWaiting = (physicalPage: number): Effect.Effect<PageRead> =>
      Effect.suspend(() => {
        const read = request(physicalPage)
        if (read !== undefined) return Effect.succeed(read)
        queueFullWaits++
        const waiter = newDeferred()
        roomWaiters.add(waiter)
        return Deferred.await(waiter).pipe(
          // An interrupted waiter gives up its place, or passes on a wake it already got.
          Effect.onInterrupt(() => Effect.sync(() => roomWaiters.delete(waiter) || wakeOneWaiter())),
          Effect.zipRight(requestWaiting(physicalPage))
        )
      })

    // Hands the bytes read to the cache (which decodes an index page), unless
    // the page was invalidated meanwhile.
    const accept = (read: PageRead, bytes: Uint8Array) => {
      pagesRead++
      if (read.invalid) {
        readsDiscarded++
        return
      }
      const installed = installer.install(read.physicalPage, bytes)
      // Only a record page keeps the read buffer.
      if (installed !== bytes) spare = bytes
      if (installed instanceof Uint8Array) read.recordPage = installed
      else if (installed instanceof CorruptData) read.error = installed
      else read.indexPage = installed
    }

    // A read buffer nothing refers to any more (it held an index page),
    // used for the next read instead of a fresh one.
    let spare: Uint8Array | undefined
    const readBuffer = (): Uint8Array => {
      const bytes = spare ?? unzeroedPage(bytesPerPage)
      spare = undefined
      return bytes
    }

    // The end of a read that reached the device: keep the page or the error.
    const settle = (read: PageRead, bytes: Uint8Array, error: IoError | undefined) => {
      if (error === undefined) {
        accept(read, bytes)
      } else {
        readFailures++
        read.error = error
      }
    }

    // Reads a batch on the direct reader: one Effect for the whole batch,
    // which completes when every read in it has finished.
    const readDirect = (reader: DirectReader, batch: ReadonlyArray<PageRead>): Effect.Effect<void> =>
      Effect.async<void>((resume) => {
        let left = batch.length
        for (const read of batch) {
          const bytes = readBuffer()
          reader.read(read.physicalPage * bytesPerPage, bytes, (error) => {
            settle(read, bytes, error)
            finish(read)
            if (--left === 0) resume(Effect.void)
          })
        }
      })

    // A finished read with nothing to wait for, shared by every synchronous read.
    const alreadyDone = newDeferred()
    Deferred.unsafeDone(alreadyDone, Effect.void)
    const readSync = direct?.readSync
    const syncNow = direct?.syncNow
    const readNow = (physicalPage: number): PageRead | undefined => {
      if (readSync === undefined || closed || !syncNow!() || byPage.has(physicalPage)) return undefined
      const read: PageRead = {
        physicalPage,
        done: alreadyDone,
        indexPage: undefined,
        recordPage: undefined,
        error: undefined,
        invalid: false
      }
      const bytes = readBuffer()
      settle(read, bytes, readSync(physicalPage * bytesPerPage, bytes))
      return read
    }

    const process = (read: PageRead): Effect.Effect<void> =>
      device.read(read.physicalPage * bytesPerPage, bytesPerPage).pipe(
        Effect.match({
          onFailure: (error) => {
            // The volume checked the device size, so a range error here means a broken device.
            settle(
              read,
              EMPTY,
              error._tag === "IoError"
                ? error
                : new IoError({ message: error.message, operation: "read", offset: read.physicalPage * bytesPerPage })
            )
            finish(read)
          },
          onSuccess: (bytes) => {
            settle(read, bytes, undefined)
            finish(read)
          }
        })
      )

    const waitForWork = Effect.async<void>((resume) => {
      const wake = () => resume(Effect.void)
      idleReaders.push(wake)
      return Effect.sync(() => {
        const at = idleReaders.indexOf(wake)
        if (at >= 0) idleReaders.splice(at, 1)
      })
    })
    // Up to READER_BATCH queued reads; invalidated ones are finished here, unread.
    const takeBatch = (): Array<PageRead> => {
      const batch: Array<PageRead> = []
      while (batch.length < READER_BATCH && fifoHead < fifo.length) {
        const read = takeNext()
        if (!read.invalid) {
          batch.push(read)
          continue
        }
        readsDiscarded++
        finish(read)
      }
      return batch
    }
    const reader = Effect.forever(Effect.suspend(() => {
      if (fifoHead === fifo.length) return waitForWork
      const batch = takeBatch()
      if (batch.length === 0) return Effect.void
      if (direct !== undefined) return readDirect(direct, batch)
      return batch.length === 1
        ? process(batch[0]!)
        : Effect.forEach(batch, process, { concurrency: "unbounded", discard: true })
    }))
    for (let i = 0; i < readThreads; i++) yield* Effect.forkScoped(reader)

    // Runs before the readers are interrupted (finalizers run in reverse order).
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        for (const read of byPage.values()) Deferred.unsafeDone(read.done, Effect.interrupt)
        byPage.clear()
        fifo = []
        fifoHead = 0
        for (const waiter of roomWaiters) Deferred.unsafeDone(waiter, Effect.interrupt)
        roomWaiters.clear()
      })
    )

    return {
      capacity,
      request,
      requestWaiting,
      readNow,
      invalidate: (physicalPage) => {
        const read = byPage.get(physicalPage)
        if (read === undefined) return
        read.invalid = true
        byPage.delete(physicalPage)
      },
      stats: () => ({ pagesRead, readsQueued, readFailures, readsDiscarded, queueFullWaits })
    }
  })
