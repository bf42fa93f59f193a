/**
 * The lookup path of a volume, in one place: the synchronous step over what
 * is cached or held, the waiting path (`lookup`) that reads what the step
 * misses and steps again, the cached path (`lookupCached`) that queues
 * the read and fails with `Queued`, and the synchronous entry (`tryLookup`)
 * that answers from what is cached or read at once, with no Effect at all.
 *
 * One held-page rule for both paths: a page read for a request is used by
 * that request even when a busy cache evicted it meanwhile (else the request
 * could miss forever), but only while its physical chapter keeps the
 * generation captured when the request started; a forget or a rewrite bumps
 * it, and a page held from before may belong to another chapter.
 *
 * @internal
 */
import { Cause, Deferred, Effect, Either, Exit, FiberId, FiberRef, Option } from "effect"
import type { IndexPage } from "../../ChapterIndex.js"
import { type Geometry, mapToPhysicalChapter, physicalPage } from "../../Geometry.js"
import type { Service as IndexPageMap } from "../../IndexPageMap.js"
import type { Service as PageCache } from "../../PageCache.js"
import type { PageRead, Service as ReadQueue } from "../../ReadQueue.js"
import * as RecordPage from "../../RecordPage.js"
import type { Service } from "../../Volume.js"
import { CorruptData, type IoError, Queued } from "../../VolumeError.js"
import { mostTelling, notOnVolume } from "./chapterClaims.js"
import type { ChapterMaps } from "./chapterMaps.js"
import { chapterPagesAgree } from "./chapterPages.js"
import type { PageReader } from "./pageReader.js"
import { checkName, checkVirtualChapter } from "./volumeInput.js"

/**
 * The outcome of one synchronous lookup step: the record's data, null for
 * not found, CorruptData, or a number: a physical page that is not cached,
 * or NEED_CHAPTER_MAP.
 */
type Step = Uint8Array | null | number | CorruptData

/**
 * The step needs all of a chapter's index pages to learn its page map.
 * Page 0 is the header page, never read, so the number is free to mean this.
 */
const NEED_CHAPTER_MAP = 0

/** What the lookup path works with. */
export interface LookupContext {
  readonly geometry: Geometry
  readonly cache: PageCache
  readonly queue: ReadQueue
  readonly pageMap: IndexPageMap
  readonly maps: ChapterMaps
  readonly reader: PageReader
}

/**
 * What `tryLookup` gives: the record's data, null for not found, the error
 * `lookup` would fail with, or, when it cannot answer without waiting, a
 * number: the physical page it needs next, or NEEDS_LOOKUP. On a number,
 * call `lookup`, which reads and answers.
 */
export type TryLookup = Uint8Array | null | CorruptData | IoError | number

/**
 * tryLookup's number when what it needs is not one page: a chapter's map
 * (all its index pages), or input `lookup` refuses with its own error.
 */
export const NEEDS_LOOKUP = 0

/**
 * The synchronous entry of a volume's lookup path: `lookup`'s answer when
 * the pages it needs are cached or the device reads them at once within the
 * reader's budget of synchronous reads, else what it needs (TryLookup).
 */
export type TryLookupFunction = (name: Uint8Array, virtualChapter: number) => TryLookup

/**
 * A volume's synchronous entry with the budget it reads within: a caller
 * whose `tryLookup` gave a number while `mustYield()` holds may wait for
 * `nextTurn` and try again, reading synchronously then, instead of taking
 * the waiting path (`lookup`).
 */
export interface SyncLookup {
  readonly tryLookup: TryLookupFunction
  /** Whether the budget of synchronous reads is spent until the event loop turns. */
  readonly mustYield: () => boolean
  /** Completes after the event loop has turned, with a fresh budget. */
  readonly nextTurn: Effect.Effect<void>
}

/** The lookups of a volume. */
export type Lookups = Pick<Service, "lookup" | "lookupCached"> & SyncLookup

// Each volume's synchronous entry, found from its `lookup` (the Volume
// service's contract stays as it is; a volume that wraps another has none).
const syncLookups = new WeakMap<Service["lookup"], SyncLookup>()

/**
 * The synchronous entry of a volume made by `Volume.make`; undefined for any
 * other implementation of the service, whose `lookup` is then the way.
 */
export const syncLookupOf = (volume: Pick<Service, "lookup">): SyncLookup | undefined => syncLookups.get(volume.lookup)

// What the reads a lookupCached request queued gave.
interface AwaitedReads {
  /** The physical chapter and its generation when the request started. */
  readonly chapter: number
  readonly generation: number
  /** What the lookup missed: a physical page, or NEED_CHAPTER_MAP. */
  readonly missing: number
  readonly error: CorruptData | IoError | undefined
  /** The pages read for the request so far. */
  readonly reads: ReadonlyArray<PageRead>
}

/** A page a request holds: a read done for it, or an index page a chapter-map load handed it. */
type Held = Pick<PageRead, "physicalPage" | "indexPage" | "recordPage">

// A chapter-map load in progress: the pages it read, or undefined when its
// learner was interrupted (a waiter then loads the map itself).
interface MapLoad {
  readonly generation: number
  readonly done: Deferred.Deferred<ReadonlyArray<IndexPage> | undefined, CorruptData | IoError>
}

const NOT_FOUND = Effect.succeed(Option.none<Uint8Array>())

// A chapter that is not on the volume holds no names; damage to one that is, is an error.
const notFoundIfAbsent = (virtualChapter: number) => (error: CorruptData | IoError) =>
  error instanceof CorruptData && notOnVolume(error, virtualChapter) ? NOT_FOUND : Effect.fail(error)

// The answer of a step that found one.
const settled = (
  result: Exclude<Step, number>,
  virtualChapter: number
): Effect.Effect<Option.Option<Uint8Array>, CorruptData> => {
  if (result === null) return NOT_FOUND
  if (result instanceof Uint8Array) return Effect.succeed(Option.some(result))
  return notOnVolume(result, virtualChapter) ? NOT_FOUND : Effect.fail(result)
}

/** The lookup path over a volume's cache, queue and chapter maps. */
export const makeLookups = (context: LookupContext): Lookups => {
  const { cache, geometry, maps, pageMap, queue, reader } = context
  const { indexPagesPerChapter, recordsPerPage } = geometry
  const firstPage = (chapter: number) => physicalPage(geometry, chapter, 0)
  const mapToPhysical = (virtualChapter: number) => mapToPhysicalChapter(geometry, virtualChapter)

  // The held-page rule: pages read at `generation` still belong to the chapter.
  const stillHeld = (chapter: number, generation: number) => maps.generation(chapter) === generation

  // The index pages of a chapter from the cache, learning its map from them;
  // a missing page's number, or CorruptData when they disagree.
  const chapterMapFromCache = (chapter: number): number | CorruptData | undefined => {
    const pages: Array<IndexPage> = []
    for (let k = 0; k < indexPagesPerChapter; k++) {
      const page = cache.indexPage(firstPage(chapter) + k)
      if (page === undefined) return firstPage(chapter) + k
      pages.push(page)
    }
    const problem = chapterPagesAgree(geometry, chapter, pages)
    if (problem !== undefined) return problem
    maps.learn(chapter, pages, maps.generation(chapter))
    return undefined
  }

  // One synchronous pass of a lookup over what is cached, or held: pages just
  // read for this request, which may already have been evicted again.
  const step = (
    name: Uint8Array,
    virtualChapter: number,
    heldIndex: Held | undefined,
    heldRecord: Held | undefined
  ): Step => {
    const chapter = mapToPhysical(virtualChapter)
    if (!maps.isKnown(chapter)) {
      const missing = chapterMapFromCache(chapter)
      if (missing instanceof CorruptData) return missing
      if (missing !== undefined) return NEED_CHAPTER_MAP
    }
    const k = indexPagesPerChapter === 1 ? 0 : pageMap.findIndexPage(name, chapter)
    const indexPageNumber = firstPage(chapter) + k
    const indexPage = heldIndex !== undefined && heldIndex.physicalPage === indexPageNumber
      ? heldIndex.indexPage
      : cache.indexPage(indexPageNumber)
    if (indexPage === undefined) return indexPageNumber
    // The chapter holds another virtual chapter: the name is not there.
    if (indexPage.virtualChapter !== virtualChapter) return null
    const problem = maps.check(chapter, k, indexPageNumber, indexPage)
    if (problem !== undefined) return problem
    const recordPageIndex = indexPage.search(name)
    if (recordPageIndex === undefined) return null
    const recordPageNumber = indexPageNumber - k + indexPagesPerChapter + recordPageIndex
    const bytes = heldRecord !== undefined && heldRecord.physicalPage === recordPageNumber
      ? heldRecord.recordPage
      : cache.recordPage(recordPageNumber)
    if (bytes === undefined) return recordPageNumber
    const slot = RecordPage.findSlot(bytes, name, recordsPerPage)
    return slot < 0 ? null : bytes.slice(slot * 32 + 16, slot * 32 + 32)
  }

  // ---- The waiting path -------------------------------------------------

  // One learner per chapter map: the first lookup that needs a chapter's map
  // reads its index pages and learns it; every lookup that needs it meanwhile
  // waits for the same pages instead of reading (and learning) them again.
  const mapLoads = new Map<number, MapLoad>()

  const learnFrom = (chapter: number, generation: number, pages: ReadonlyArray<IndexPage>) => {
    const problem = chapterPagesAgree(geometry, chapter, pages)
    if (problem !== undefined) return Effect.fail(problem)
    maps.learn(chapter, pages, generation)
    return Effect.succeed(pages)
  }

  // Every index page is read even when one fails, so the error reported
  // (damage, or a chapter that is not there) does not depend on which read
  // failed first.
  const learnChapterMap = (
    chapter: number,
    generation: number
  ): Effect.Effect<ReadonlyArray<IndexPage>, CorruptData | IoError> =>
    Effect.suspend(() => {
      const now = reader.chapterIndexPagesNow(chapter)
      if (Array.isArray(now)) return learnFrom(chapter, generation, now)
      return Effect.flatMap(
        reader.readChapterIndexPages(chapter),
        (results) => {
          const error = mostTelling(results.flatMap((result) => Either.isLeft(result) ? [result.left] : []))
          if (error !== undefined) return Effect.fail(error)
          return learnFrom(chapter, generation, results.map((result) => Either.getOrThrow(result)))
        }
      )
    })

  const chapterMapPages = (
    chapter: number,
    generation: number
  ): Effect.Effect<ReadonlyArray<IndexPage>, CorruptData | IoError> =>
    Effect.suspend(() => {
      const loading = mapLoads.get(chapter)
      if (loading !== undefined && loading.generation === generation) {
        return Effect.flatMap(Deferred.await(loading.done), (pages) =>
          pages !== undefined ? Effect.succeed(pages) : chapterMapPages(chapter, generation))
      }
      const done: MapLoad["done"] = Deferred.unsafeMake(FiberId.none)
      mapLoads.set(chapter, { generation, done })
      return Effect.onExit(learnChapterMap(chapter, generation), (exit) =>
        Effect.sync(() => {
          if (mapLoads.get(chapter)?.done === done) mapLoads.delete(chapter)
          const interrupted = Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
          Deferred.unsafeDone(done, interrupted ? Exit.succeed(undefined) : exit)
        }))
    })

  // The index page of a chapter-map load that a name needs, to hold.
  const heldFromMap = (pages: ReadonlyArray<IndexPage>, name: Uint8Array, chapter: number): Held | undefined => {
    if (!maps.isKnown(chapter)) return undefined
    const k = indexPagesPerChapter === 1 ? 0 : pageMap.findIndexPage(name, chapter)
    return { physicalPage: firstPage(chapter) + k, indexPage: pages[k], recordPage: undefined }
  }

  // Reads what the step missed, then steps again with the pages read held.
  const lookupWaiting = (
    name: Uint8Array,
    virtualChapter: number,
    missing: number,
    heldIndex: Held | undefined,
    heldRecord: Held | undefined,
    generation: number
  ): Effect.Effect<Option.Option<Uint8Array>, CorruptData | IoError> => {
    // Pages the device reads synchronously are read here, stepping again with no Effect in between.
    while (missing !== NEED_CHAPTER_MAP) {
      const read = reader.readNow(missing)
      if (read === undefined) break
      if (read.error !== undefined) return Effect.fail(read.error)
      if (read.indexPage !== undefined) heldIndex = read
      else heldRecord = read
      const result = step(name, virtualChapter, heldIndex, heldRecord)
      if (typeof result !== "number") return settled(result, virtualChapter)
      missing = result
    }
    const index = heldIndex
    const record = heldRecord
    if (missing === NEED_CHAPTER_MAP) {
      const chapter = mapToPhysical(virtualChapter)
      return Effect.flatMap(
        chapterMapPages(chapter, generation),
        (pages) => stepAgain(name, virtualChapter, heldFromMap(pages, name, chapter) ?? index, record, generation)
      )
    }
    return Effect.flatMap(reader.readPage(missing), (read) =>
      read?.indexPage !== undefined
        ? stepAgain(name, virtualChapter, read, record, generation)
        : stepAgain(name, virtualChapter, index, read?.recordPage !== undefined ? read : record, generation))
  }

  const stepAgain = (
    name: Uint8Array,
    virtualChapter: number,
    heldIndex: Held | undefined,
    heldRecord: Held | undefined,
    generation: number
  ): Effect.Effect<Option.Option<Uint8Array>, CorruptData | IoError> => {
    const chapter = mapToPhysical(virtualChapter)
    if (!stillHeld(chapter, generation)) {
      heldIndex = undefined
      heldRecord = undefined
      generation = maps.generation(chapter)
    }
    const result = step(name, virtualChapter, heldIndex, heldRecord)
    return typeof result === "number"
      ? lookupWaiting(name, virtualChapter, result, heldIndex, heldRecord, generation)
      : settled(result, virtualChapter)
  }

  const lookup: Lookups["lookup"] = (name, virtualChapter) =>
    Effect.suspend((): ReturnType<Lookups["lookup"]> => {
      const invalid = checkName(name) ?? checkVirtualChapter(virtualChapter)
      if (invalid !== undefined) return Effect.fail(invalid)
      const result = step(name, virtualChapter, undefined, undefined)
      if (typeof result !== "number") return settled(result, virtualChapter)
      const generation = maps.generation(mapToPhysical(virtualChapter))
      return Effect.catchAll(
        lookupWaiting(name, virtualChapter, result, undefined, undefined, generation),
        notFoundIfAbsent(virtualChapter)
      )
    })

  // ---- The synchronous entry ---------------------------------------------
  // The waiting path's synchronous part alone: pages read now stay held for
  // the steps after them, with no generation to check (nothing else runs
  // until it returns). What it leaves to `lookup` is read from scratch there.

  const tryLookup: TryLookupFunction = (name, virtualChapter) => {
    if (checkName(name) !== undefined || checkVirtualChapter(virtualChapter) !== undefined) return NEEDS_LOOKUP
    let heldIndex: Held | undefined
    let heldRecord: Held | undefined
    let result: Step | IoError = step(name, virtualChapter, undefined, undefined)
    while (typeof result === "number" && result !== NEED_CHAPTER_MAP) {
      const read = reader.readNow(result)
      if (read === undefined) return result
      if (read.error !== undefined) {
        result = read.error
        break
      }
      if (read.indexPage !== undefined) heldIndex = read
      else heldRecord = read
      result = step(name, virtualChapter, heldIndex, heldRecord)
    }
    if (typeof result === "number") return NEEDS_LOOKUP
    // As `lookup` answers: a chapter that is not on the volume holds no names.
    if (result instanceof CorruptData && notOnVolume(result, virtualChapter)) return null
    return result
  }

  // ---- The cached path --------------------------------------------------
  // What the reads gave is remembered in the fiber that awaited `ready`, until
  // its next lookupCached, which uses the pages read (under the held-page
  // rule) and fails with a read's error rather than queueing it again
  // (forever, on a page that keeps failing).

  const awaitedReads = FiberRef.unsafeMake<AwaitedReads | undefined>(undefined, {
    fork: () => undefined,
    join: (parent) => parent
  })

  const awaitDone = (read: PageRead) => Effect.as(Deferred.await(read.done), read)

  // Learns a chapter's map from its index pages, some cached when the reads
  // were queued and the rest just read; CorruptData when they disagree.
  const learnFromReads = (
    chapter: number,
    generation: number,
    cachedPages: ReadonlyArray<IndexPage | undefined>,
    reads: ReadonlyArray<PageRead>
  ): CorruptData | undefined => {
    const pages: Array<IndexPage> = []
    for (let k = 0; k < indexPagesPerChapter; k++) {
      const page = cachedPages[k] ?? reads.find((read) => read.physicalPage === firstPage(chapter) + k)?.indexPage
      // A read discarded because the chapter changed: the retry starts over.
      if (page === undefined) return undefined
      pages.push(page)
    }
    const problem = chapterPagesAgree(geometry, chapter, pages)
    if (problem === undefined) maps.learn(chapter, pages, generation)
    return problem
  }

  // Queues the read(s) a non-blocking lookup needs, now (whether or not the
  // caller waits on `ready`; only reads the full queue refused wait for room
  // in `ready`), and says when to retry. `held`: pages this request read before.
  const queueFor = (
    chapter: number,
    generation: number,
    missing: number,
    held: ReadonlyArray<PageRead>
  ): Queued => {
    const cachedPages = missing === NEED_CHAPTER_MAP
      ? Array.from({ length: indexPagesPerChapter }, (_, k) => cache.indexPage(firstPage(chapter) + k))
      : []
    const pages = missing === NEED_CHAPTER_MAP
      ? cachedPages.flatMap((page, k) => page === undefined ? [firstPage(chapter) + k] : [])
      : [missing]
    const reads = pages.map((page) => queue.request(page))
    const ready = Effect.forEach(pages, (page, i) => {
      const read = reads[i]
      return read !== undefined ? awaitDone(read) : Effect.flatMap(queue.requestWaiting(page), awaitDone)
    }, { concurrency: "unbounded" }).pipe(
      Effect.flatMap((done) => {
        const error = mostTelling(done.flatMap((read) => read.error === undefined ? [] : [read.error])) ??
          (missing === NEED_CHAPTER_MAP ? learnFromReads(chapter, generation, cachedPages, done) : undefined)
        const read = done.filter((read) => read.indexPage !== undefined || read.recordPage !== undefined)
        return FiberRef.set(awaitedReads, { chapter, generation, missing, error, reads: [...held, ...read] })
      })
    )
    const physicalPageQueued = pages[0] ?? missing
    return new Queued({
      message: `physical page ${physicalPageQueued} is being read`,
      physicalPage: physicalPageQueued,
      ready
    })
  }

  // The index page a held read gives for a name, once the chapter's map is known.
  const heldIndexPage = (held: ReadonlyArray<PageRead>, name: Uint8Array, chapter: number) => {
    if (held.length === 0 || !maps.isKnown(chapter)) return undefined
    const wanted = firstPage(chapter) + (indexPagesPerChapter === 1 ? 0 : pageMap.findIndexPage(name, chapter))
    return held.find((read) => read.physicalPage === wanted && read.indexPage !== undefined)
  }

  const lookupCached: Lookups["lookupCached"] = (name, virtualChapter) =>
    Effect.withFiberRuntime((fiber) => {
      const invalid = checkName(name) ?? checkVirtualChapter(virtualChapter)
      if (invalid !== undefined) return Effect.fail(invalid)
      // What this fiber waited for answers this retry only.
      const awaited = fiber.getFiberRef(awaitedReads)
      const chapter = mapToPhysical(virtualChapter)
      const continues = awaited !== undefined && awaited.chapter === chapter && stillHeld(chapter, awaited.generation)
      const held = continues ? awaited.reads : []
      const generation = continues ? awaited.generation : maps.generation(chapter)
      const heldRecord = held.find((read) => read.recordPage !== undefined)
      const result = step(name, virtualChapter, heldIndexPage(held, name, chapter), heldRecord)
      const answer: Effect.Effect<Option.Option<Uint8Array>, Queued | CorruptData | IoError> =
        typeof result !== "number"
          ? settled(result, virtualChapter)
          : awaited?.error !== undefined && awaited.missing === result && awaited.chapter === chapter
          ? notFoundIfAbsent(virtualChapter)(awaited.error)
          : Effect.fail(queueFor(chapter, generation, result, held))
      return awaited === undefined ? answer : Effect.zipRight(FiberRef.set(awaitedReads, undefined), answer)
    })

  const sync: SyncLookup = { tryLookup, mustYield: reader.mustYield, nextTurn: reader.yieldToEventLoop }
  syncLookups.set(lookup, sync)
  return { lookup, lookupCached, ...sync }
}
