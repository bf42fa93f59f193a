/**
 * The read queue: a bounded queue of page reads drained by reader fibers.
 * There is one entry per page however many requests want it; later requests
 * join the entry. A finished read installs the page in the page cache and
 * wakes every request waiting on it; a failed read wakes them with the
 * error and caches nothing; a read of a page invalidated meanwhile is
 * discarded, and its waiters look again.
 *
 * `readThreads` reader fibers, forked into the layer's scope, each take up
 * to 32 queued reads at a time and have them in flight together. A file
 * device's batch is read without an Effect per read (one per batch).
 *
 * @since 0.1.0
 */
import { Context, type Deferred, type Effect, Layer, type Scope } from "effect"
import type * as ChapterIndex from "./ChapterIndex.js"
import type { BlockDevice } from "./BlockDevice.js"
import { makeReadQueue } from "./internal/volume/readQueue.js"
import type { Geometry } from "./Geometry.js"
import type { PageCache } from "./PageCache.js"
import type { CorruptData, InvalidArgument, IoError } from "./VolumeError.js"

/**
 * Outstanding reads at most, as in the reference (a ring of 4096 entries, one kept free).
 *
 * @since 0.1.0
 * @category constants
 */
export { DEFAULT_CAPACITY } from "./internal/volume/readQueue.js"

/**
 * One queued read of a physical page, shared by every request that wants the page.
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * Counters of the queue since it was made.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadQueueStats {
  readonly pagesRead: number
  readonly readsQueued: number
  readonly readFailures: number
  readonly readsDiscarded: number
  readonly queueFullWaits: number
}

/**
 * The read queue service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Most reads outstanding at once. */
  readonly capacity: number
  /**
   * The read of a physical page: joins the outstanding read of that page, or
   * queues a new one. Synchronous; undefined when the queue is full.
   */
  readonly request: (physicalPage: number) => PageRead | undefined
  /** Like `request`, but waits for room when the queue is full (backpressure). */
  readonly requestWaiting: (physicalPage: number) => Effect.Effect<PageRead>
  /**
   * Reads a page at once when the device reads synchronously now (a file
   * device with `syncReads`, or with its default adaptive reads while they
   * are fast) and no read of it is outstanding: the returned
   * read is finished (installed, or failed). Undefined otherwise: request it.
   */
  readonly readNow: (physicalPage: number) => PageRead | undefined
  /** Marks the outstanding read of a page, if any, to be discarded; a later request reads afresh. */
  readonly invalidate: (physicalPage: number) => void
  /** The counters so far. */
  readonly stats: () => ReadQueueStats
}

/**
 * The read queue service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class ReadQueue extends Context.Tag("@effect-uds/volume/ReadQueue")<ReadQueue, Service>() {}

/**
 * How the queue reads and decodes pages.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly geometry: Geometry
  readonly nonce: bigint
  /** Reader fibers, 1 to 16; default 2. */
  readonly readThreads?: number
  /** Most reads outstanding at once; default 4095. */
  readonly capacity?: number
}

/**
 * Builds the read queue and forks its reader fibers into the current scope;
 * closing the scope stops them and interrupts every request still waiting.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options: Options
) => Effect.Effect<Service, InvalidArgument, BlockDevice | PageCache | Scope.Scope> = makeReadQueue

/**
 * A read queue layer; its reader fibers live as long as the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<ReadQueue, InvalidArgument, BlockDevice | PageCache> =>
  Layer.scoped(ReadQueue, make(options))
