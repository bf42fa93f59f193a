/**
 * The read queue: a bounded queue of page reads drained by reader fibers.
 * There is one entry per page however many requests want it; later requests
 * join the entry. A finished read installs the page in the page cache and
 * wakes every request waiting on it; a failed read wakes them with the
 * error and caches nothing; a read of a page invalidated meanwhile is
 * discarded, and its waiters look again.
 *
 * @since 0.1.0
 */
import { Context, Deferred, Effect, Either, FiberId, Layer, Queue, type Scope } from "effect"
import * as ChapterIndex from "./ChapterIndex.js"
import { BlockDevice } from "./BlockDevice.js"
import type { Geometry } from "./Geometry.js"
import { PageCache } from "./PageCache.js"
import { CorruptData, InvalidArgument, IoError } from "./VolumeError.js"

/** Outstanding reads at most, as in the reference (a ring of 4096 entries, one kept free). */
export const DEFAULT_CAPACITY = 4095

/** One queued read of a physical page, shared by every request that wants the page. */
export interface PageRead {
  readonly physicalPage: number
  /** Completes when the read finished: installed, failed, or discarded. */
  readonly done: Deferred.Deferred<void>
  /** The decoded page, once an index page was read. */
  indexPage: ChapterIndex.IndexPage | undefined
  /** The bytes, once a record page was read. */
  recordPage: Uint8Array | undefined
  /** Why the read failed, if it did. */
  error: IoError | CorruptData | undefined
  /** The page was invalidated: the result was discarded, waiters must look again. */
  invalid: boolean
}

/** Counters of the queue since it was made. */
export interface ReadQueueStats {
  readonly pagesRead: number
  readonly readsQueued: number
  readonly readFailures: number
  readonly readsDiscarded: number
  readonly queueFullWaits: number
}

/** The read queue service. */
export class ReadQueue extends Context.Tag("@effect-uds/volume/ReadQueue")<ReadQueue, {
  /** Most reads outstanding at once. */
  readonly capacity: number
  /**
   * The read of a physical page: joins the outstanding read of that page, or
   * queues a new one. Synchronous; undefined when the queue is full.
   */
  readonly request: (physicalPage: number) => PageRead | undefined
  /** Like `request`, but waits for room when the queue is full (backpressure). */
  readonly requestWaiting: (physicalPage: number) => Effect.Effect<PageRead>
  /** Marks the outstanding read of a page, if any, to be discarded; a later request reads afresh. */
  readonly invalidate: (physicalPage: number) => void
  /** The counters so far. */
  readonly stats: () => ReadQueueStats
}>() {}

/** How the queue reads and decodes pages. */
export interface Options {
  readonly geometry: Geometry
  readonly nonce: bigint
  /** Reader fibers, 1 to 16; default 2. */
  readonly readThreads?: number
  /** Most reads outstanding at once; default 4095. */
  readonly capacity?: number
}

// Each reader takes up to this many queued reads at once and has them all in
// flight together: fewer trips through the queue, and the device sees a batch.
const READER_BATCH = 32

const newDeferred = (): Deferred.Deferred<void> => Deferred.unsafeMake<void>(FiberId.none)

/**
 * Builds the read queue and forks its reader fibers into the current scope;
 * closing the scope stops them and interrupts every request still waiting.
 */
export const make = (
  options: Options
): Effect.Effect<ReadQueue["Type"], InvalidArgument, BlockDevice | PageCache | Scope.Scope> =>
  Effect.gen(function*() {
    const readThreads = options.readThreads ?? 2
    const capacity = options.capacity ?? DEFAULT_CAPACITY
    if (!Number.isSafeInteger(readThreads) || readThreads < 1 || readThreads > 16) {
      return yield* new InvalidArgument({ message: `readThreads must be an integer from 1 to 16, got ${String(readThreads)}` })
    }
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      return yield* new InvalidArgument({ message: `read queue capacity must be a positive integer, got ${String(capacity)}` })
    }
    const device = yield* BlockDevice
    const cache = yield* PageCache
    const { geometry, nonce } = options
    const { bytesPerPage, pagesPerChapter, indexPagesPerChapter, headerPagesPerVolume } = geometry

    const byPage = new Map<number, PageRead>()
    const fifo = yield* Queue.unbounded<PageRead>()
    let outstanding = 0
    // Requests waiting for room, woken one per finished read, oldest first.
    const roomWaiters = new Set<Deferred.Deferred<void>>()
    let closed = false
    let pagesRead = 0
    let readsQueued = 0
    let readFailures = 0
    let readsDiscarded = 0
    let queueFullWaits = 0

    const isIndexPage = (physicalPage: number) =>
      (physicalPage - headerPagesPerVolume) % pagesPerChapter < indexPagesPerChapter

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
      Queue.unsafeOffer(fifo, read)
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

    const accept = (read: PageRead, bytes: Uint8Array) => {
      pagesRead++
      if (read.invalid) {
        readsDiscarded++
        return
      }
      const page = read.physicalPage
      if (!isIndexPage(page)) {
        cache.installRecordPage(page, bytes)
        read.recordPage = bytes
        return
      }
      const decoded = ChapterIndex.decodePage(geometry, nonce, bytes)
      if (Either.isLeft(decoded)) {
        read.error = new CorruptData({ message: `physical page ${page}: ${decoded.left.message}`, physicalPage: page })
        return
      }
      cache.installIndexPage(page, decoded.right)
      read.indexPage = decoded.right
    }

    const process = (read: PageRead): Effect.Effect<void> => {
      if (read.invalid) {
        readsDiscarded++
        finish(read)
        return Effect.void
      }
      return device.read(read.physicalPage * bytesPerPage, bytesPerPage).pipe(
        Effect.match({
          onFailure: (error) => {
            readFailures++
            // The volume checked the device size, so a range error here means a broken device.
            read.error = error._tag === "IoError"
              ? error
              : new IoError({ message: error.message, operation: "read", offset: read.physicalPage * bytesPerPage })
            finish(read)
          },
          onSuccess: (bytes) => {
            accept(read, bytes)
            finish(read)
          }
        })
      )
    }

    const reader = Queue.takeBetween(fifo, 1, READER_BATCH).pipe(
      Effect.flatMap((batch) => Effect.forEach(batch, process, { concurrency: "unbounded", discard: true })),
      Effect.forever
    )
    for (let i = 0; i < readThreads; i++) yield* Effect.forkScoped(reader)

    // Runs before the readers are interrupted (finalizers run in reverse order).
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        for (const read of byPage.values()) Deferred.unsafeDone(read.done, Effect.interrupt)
        byPage.clear()
        for (const waiter of roomWaiters) Deferred.unsafeDone(waiter, Effect.interrupt)
        roomWaiters.clear()
      }).pipe(Effect.zipRight(Queue.shutdown(fifo)))
    )

    return {
      capacity,
      request,
      requestWaiting,
      invalidate: (physicalPage) => {
        const read = byPage.get(physicalPage)
        if (read === undefined) return
        read.invalid = true
        byPage.delete(physicalPage)
      },
      stats: () => ({ pagesRead, readsQueued, readFailures, readsDiscarded, queueFullWaits })
    }
  })

/** A read queue layer; its reader fibers live as long as the layer. */
export const layer = (options: Options): Layer.Layer<ReadQueue, InvalidArgument, BlockDevice | PageCache> =>
  Layer.scoped(ReadQueue, make(options))
