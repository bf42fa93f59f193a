/**
 * Volume.lookupCached: a lookup that never waits for I/O. On a miss it queues
 * the read it needs at once and fails with `Queued`; the caller retries after
 * `Queued.ready`.
 *
 * What the reads gave is remembered in the fiber that awaited `ready`, until
 * its next lookupCached. The retry uses the pages read even when a busy cache
 * evicted them meanwhile (else it could be Queued again forever), and fails
 * with a read's error rather than queueing the read again (forever, on a page
 * that keeps failing).
 *
 * @internal
 */
import { Deferred, Effect, FiberRef, type Option } from "effect"
import type { IndexPage } from "../../ChapterIndex.js"
import { type Geometry, mapToPhysicalChapter, physicalPage } from "../../Geometry.js"
import type { Service as IndexPageMap } from "../../IndexPageMap.js"
import type { PageCache } from "../../PageCache.js"
import type { PageRead, ReadQueue } from "../../ReadQueue.js"
import { type CorruptData, type InvalidArgument, type IoError, Queued } from "../../VolumeError.js"
import { chapterPagesAgree } from "./chapterPages.js"
import type { ChapterMaps } from "./chapterMaps.js"
import { NEED_CHAPTER_MAP, type Step } from "./lookupStep.js"
import { checkName, checkVirtualChapter } from "./volumeInput.js"

// What the reads a lookupCached request queued gave.
interface AwaitedReads {
  /** The physical chapter and its generation when the reads were queued. */
  readonly chapter: number
  readonly generation: number
  /** What the lookup missed: a physical page, or NEED_CHAPTER_MAP. */
  readonly missing: number
  readonly error: CorruptData | IoError | undefined
  /** The pages read for the request so far. */
  readonly reads: ReadonlyArray<PageRead>
}

/** What a cached lookup works with: the volume's services and its lookup step. */
export interface CachedLookupContext {
  readonly geometry: Geometry
  readonly cache: PageCache["Type"]
  readonly queue: ReadQueue["Type"]
  readonly pageMap: IndexPageMap
  readonly maps: ChapterMaps
  readonly step: (name: Uint8Array, virtualChapter: number, heldIndex: PageRead | undefined, heldRecord: PageRead | undefined) => Step
  readonly settled: (result: Exclude<Step, number>) => Effect.Effect<Option.Option<Uint8Array>, CorruptData>
}

/** The volume's lookupCached. */
export const makeLookupCached = (context: CachedLookupContext) => {
  const { cache, geometry, maps, pageMap, queue, settled, step } = context
  const { indexPagesPerChapter } = geometry
  const firstPage = (chapter: number) => physicalPage(geometry, chapter, 0)

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
  const queueFor = (virtualChapter: number, missing: number, held: ReadonlyArray<PageRead>): Queued => {
    const chapter = mapToPhysicalChapter(geometry, virtualChapter)
    const generation = maps.generation(chapter)
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
        const error = done.find((read) => read.error !== undefined)?.error ??
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

  return (
    name: Uint8Array,
    virtualChapter: number
  ): Effect.Effect<Option.Option<Uint8Array>, Queued | CorruptData | IoError | InvalidArgument> =>
    Effect.withFiberRuntime((fiber) => {
      const invalid = checkName(name) ?? checkVirtualChapter(virtualChapter)
      if (invalid !== undefined) return Effect.fail(invalid)
      // What this fiber waited for answers this retry only, and its pages
      // only while their chapter was not invalidated since they were queued.
      const awaited = fiber.getFiberRef(awaitedReads)
      const chapter = mapToPhysicalChapter(geometry, virtualChapter)
      const held = awaited !== undefined && awaited.chapter === chapter &&
          awaited.generation === maps.generation(chapter)
        ? awaited.reads
        : []
      const heldRecord = held.find((read) => read.recordPage !== undefined)
      const result = step(name, virtualChapter, heldIndexPage(held, name, chapter), heldRecord)
      const answer: Effect.Effect<Option.Option<Uint8Array>, Queued | CorruptData | IoError> =
        typeof result !== "number"
          ? settled(result)
          : awaited?.error !== undefined && awaited.missing === result && awaited.chapter === chapter
          ? Effect.fail(awaited.error)
          : Effect.fail(queueFor(virtualChapter, result, held))
      return awaited === undefined ? answer : Effect.zipRight(FiberRef.set(awaitedReads, undefined), answer)
    })
}
