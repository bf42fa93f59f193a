/**
 * Getting pages through the page cache and the read queue: from the cache
 * when there, read at once when the device reads synchronously, otherwise
 * queued and waited for.
 *
 * @internal
 */
import { Deferred, Effect, Either } from "effect"
import type { IndexPage } from "../../ChapterIndex.js"
import { type Geometry, physicalPage as pageOf } from "../../Geometry.js"
import type { PageCache } from "../../PageCache.js"
import type { PageRead, ReadQueue } from "../../ReadQueue.js"
import { CorruptData, IoError } from "../../VolumeError.js"
import type { DirectReader } from "../device/directRead.js"

/** Page getters over one cache and queue. */
export interface PageReader {
  /**
   * A synchronous read (ReadQueue.readNow) counted against the budget of
   * synchronous reads between turns of the event loop; undefined when the
   * page must be requested, or when the budget is spent: then wait for
   * `yieldToEventLoop` (and read on after it).
   */
  readonly readNow: (physicalPage: number) => PageRead | undefined
  /**
   * Reads a page's bytes into `target` at once, past the queue and the cache,
   * when the device reads synchronously and the budget allows (counted as
   * `readNow` is): true when read, the IoError when the read failed, false
   * when the page must be read through the queue instead.
   */
  readonly readBytesNow: (physicalPage: number, target: Uint8Array) => boolean | IoError
  /** Pages read by `readBytesNow` so far. */
  readonly bytesReads: () => number
  /** Lets the event loop turn (timers, I/O callbacks such as a chapter write's, shutdown), then resumes. */
  readonly yieldToEventLoop: Effect.Effect<void>
  /** Whether the budget of synchronous reads is spent (then yield before reading on). */
  readonly mustYield: () => boolean
  /**
   * The read of a page: done at once when the device reads synchronously
   * (ReadQueue.readNow), else queued and waited for; undefined when it was
   * discarded. Build it only while running (inside Effect.suspend or a
   * continuation): it may read at once.
   */
  readonly readPage: (physicalPage: number) => Effect.Effect<PageRead | undefined, CorruptData | IoError>
  /** An index page through the cache, waiting for the read if needed. */
  readonly getIndexPage: (physicalPage: number) => Effect.Effect<IndexPage, CorruptData | IoError>
  /** A record page's bytes through the cache, waiting for the read if needed. */
  readonly getRecordPage: (physicalPage: number) => Effect.Effect<Uint8Array, CorruptData | IoError>
  /**
   * Every index page of a physical chapter when all are cached or can be read
   * synchronously; the first error; undefined when some must be waited for.
   */
  readonly chapterIndexPagesNow: (physicalChapter: number) => Array<IndexPage> | CorruptData | IoError | undefined
  /**
   * Every index page of a physical chapter, each as the page or its read's
   * error, in order: read one after another while the device reads
   * synchronously (waiting for a turn of the event loop when the budget is
   * spent, with no fiber per page), the rest read concurrently once it does not.
   */
  readonly readChapterIndexPages: (
    physicalChapter: number
  ) => Effect.Effect<ReadonlyArray<Either.Either<IndexPage, CorruptData | IoError>>>
  /** Every index page of a physical chapter (readChapterIndexPages), failing with the first page's error. */
  readonly getChapterIndexPages: (
    physicalChapter: number
  ) => Effect.Effect<ReadonlyArray<IndexPage>, CorruptData | IoError>
}

/** Synchronous reads between turns of the event loop, at most. */
const SYNC_READS_BEFORE_YIELD = 128
/**
 * The longest stretch, in ms, from the first synchronous read after a turn
 * of the event loop to the read that must wait for the next turn: the reads
 * and all the work between them (decoding, other fibers' lookups).
 */
const SYNC_STRETCH_MS = 1
/** Fibers woken per turn of the event loop after waiting for one. */
const WAKE_PER_TURN = 16

/** The page getters of a volume. */
export const makePageReader = (
  geometry: Geometry,
  cache: PageCache["Type"],
  queue: ReadQueue["Type"],
  direct: DirectReader | undefined
): PageReader => {
  const { bytesPerPage, indexPagesPerChapter } = geometry

  // A synchronous read blocks the whole process: after SYNC_READS_BEFORE_YIELD
  // of them, or SYNC_STRETCH_MS after the first, the next read waits for a
  // turn of the event loop. Yielding to other fibers (Effect.yieldNow) is not
  // enough: Effect's scheduler runs them on microtasks, so I/O callbacks (a
  // chapter write's) and timers would still wait for thousands of drains.
  // Fibers that must yield wait for the next turn together, oldest first,
  // and each turn wakes at most WAKE_PER_TURN of them, rescheduling itself
  // while more wait. One immediate per turn, not one per fiber: an immediate
  // each would start a fresh budget per fiber within one turn, so 256
  // fibers could hold the loop for 256 stretches; and waking every waiter
  // at once (thousands, when each lookup forks a fiber per index page) makes
  // a long stretch of fibers that wake only to wait again.
  const waiting = new Set<() => void>()
  let turn: ReturnType<typeof setImmediate> | undefined
  const nextTurn = () => {
    turn = undefined
    syncReads = 0
    let woken = 0
    for (const wake of waiting) {
      if (woken++ === WAKE_PER_TURN) break
      waiting.delete(wake)
      wake()
    }
    if (waiting.size > 0) turn = setImmediate(nextTurn)
  }
  let syncReads = 0
  let stretchStart = 0
  const mustYield = () =>
    syncReads > 0 && (syncReads >= SYNC_READS_BEFORE_YIELD || performance.now() - stretchStart >= SYNC_STRETCH_MS)
  const counted = () => {
    if (syncReads++ === 0) {
      stretchStart = performance.now()
      // The stretch ends at the next turn of the event loop, whoever waits for it.
      turn ??= setImmediate(nextTurn)
    }
  }
  const readNow = (physicalPage: number): PageRead | undefined => {
    if (mustYield()) return undefined
    const read = queue.readNow(physicalPage)
    if (read !== undefined) counted()
    return read
  }

  const readSync = direct?.readSync
  let bytesRead = 0
  const readBytesNow = (physicalPage: number, target: Uint8Array): boolean | IoError => {
    if (readSync === undefined || mustYield() || !direct!.syncNow()) return false
    counted()
    bytesRead++
    return readSync(physicalPage * bytesPerPage, target) ?? true
  }

  const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
    const wake = () => resume(Effect.void)
    waiting.add(wake)
    turn ??= setImmediate(nextTurn)
    return Effect.sync(() => {
      waiting.delete(wake)
    })
  })

  // Waits for the read of a page; fails with its error; undefined when it was discarded.
  const awaitRead = (read: PageRead): Effect.Effect<PageRead | undefined, CorruptData | IoError> =>
    Effect.flatMap(Deferred.await(read.done), () =>
      read.error !== undefined
        ? Effect.fail(read.error)
        : Effect.succeed(read.invalid ? undefined : read))

  const readPage = (physicalPage: number): Effect.Effect<PageRead | undefined, CorruptData | IoError> => {
    if (mustYield()) return Effect.zipRight(yieldToEventLoop, Effect.suspend(() => readPage(physicalPage)))
    const now = readNow(physicalPage)
    if (now === undefined) return Effect.flatMap(queue.requestWaiting(physicalPage), awaitRead)
    return now.error !== undefined ? Effect.fail(now.error) : Effect.succeed(now)
  }

  const getIndexPage = (physicalPage: number): Effect.Effect<IndexPage, CorruptData | IoError> =>
    Effect.suspend(() => {
      const cached = cache.indexPage(physicalPage)
      if (cached !== undefined) return Effect.succeed(cached)
      return Effect.flatMap(readPage(physicalPage), (read) =>
        read?.indexPage !== undefined ? Effect.succeed(read.indexPage) : getIndexPage(physicalPage))
    })

  const getRecordPage = (physicalPage: number): Effect.Effect<Uint8Array, CorruptData | IoError> =>
    Effect.suspend(() => {
      const cached = cache.recordPage(physicalPage)
      if (cached !== undefined) return Effect.succeed(cached)
      return Effect.flatMap(readPage(physicalPage), (read) =>
        read?.recordPage !== undefined ? Effect.succeed(read.recordPage) : getRecordPage(physicalPage))
    })

  // An index page from the cache or read at once; undefined when it must be waited for.
  const indexPageNow = (physicalPage: number): IndexPage | CorruptData | IoError | undefined => {
    const cached = cache.indexPage(physicalPage)
    if (cached !== undefined) return cached
    const read = readNow(physicalPage)
    return read === undefined ? undefined : read.error ?? read.indexPage
  }

  const chapterIndexPagesNow = (physicalChapter: number): Array<IndexPage> | CorruptData | IoError | undefined => {
    const first = pageOf(geometry, physicalChapter, 0)
    const pages: Array<IndexPage> = []
    for (let k = 0; k < indexPagesPerChapter; k++) {
      const page = indexPageNow(first + k)
      if (page === undefined || page instanceof CorruptData || page instanceof IoError) return page
      pages.push(page)
    }
    return pages
  }

  const readChapterIndexPages = (
    physicalChapter: number
  ): Effect.Effect<ReadonlyArray<Either.Either<IndexPage, CorruptData | IoError>>> =>
    Effect.suspend(() => {
      const first = pageOf(geometry, physicalChapter, 0)
      const results: Array<Either.Either<IndexPage, CorruptData | IoError>> = []
      const readOn = (): Effect.Effect<ReadonlyArray<Either.Either<IndexPage, CorruptData | IoError>>> => {
        while (results.length < indexPagesPerChapter) {
          const page = first + results.length
          const cached = cache.indexPage(page)
          if (cached !== undefined) {
            results.push(Either.right(cached))
            continue
          }
          if (mustYield()) return Effect.zipRight(yieldToEventLoop, Effect.suspend(readOn))
          const read = readNow(page)
          if (read?.error !== undefined) {
            results.push(Either.left(read.error))
          } else if (read?.indexPage !== undefined) {
            results.push(Either.right(read.indexPage))
          } else {
            // The device reads asynchronously now, or the page is being read: the rest concurrently.
            const rest = Array.from(
              { length: indexPagesPerChapter - results.length },
              (_, k) => Effect.either(getIndexPage(page + k))
            )
            return Effect.map(Effect.all(rest, { concurrency: "unbounded" }), (tail) => [...results, ...tail])
          }
        }
        return Effect.succeed(results)
      }
      return readOn()
    })

  const getChapterIndexPages = (
    physicalChapter: number
  ): Effect.Effect<ReadonlyArray<IndexPage>, CorruptData | IoError> =>
    Effect.suspend(() => {
      const now = chapterIndexPagesNow(physicalChapter)
      if (now !== undefined) return Array.isArray(now) ? Effect.succeed(now) : Effect.fail(now as CorruptData | IoError)
      return Effect.flatMap(readChapterIndexPages(physicalChapter), (results) => {
        const failed = results.find(Either.isLeft)
        return failed !== undefined ? Effect.fail(failed.left) : Effect.succeed(results.map((result) => Either.getOrThrow(result)))
      })
    })

  return {
    readNow,
    readBytesNow,
    bytesReads: () => bytesRead,
    yieldToEventLoop,
    mustYield,
    readPage,
    getIndexPage,
    getRecordPage,
    chapterIndexPagesNow,
    readChapterIndexPages,
    getChapterIndexPages
  }
}
