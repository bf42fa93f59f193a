/**
 * The volume: chapters on a block device, read through the page cache and
 * the read queue. Writes whole chapters, looks records up (at most one index
 * page and one record page each), and finds the chapter boundaries after a
 * crash.
 *
 * @since 0.1.0
 */
import { Context, Effect, Fiber, Layer, Option, Scope } from "effect"
import { BlockDevice } from "./BlockDevice.js"
import * as ChapterBoundaries from "./ChapterBoundaries.js"
import * as ChapterIndex from "./ChapterIndex.js"
import * as Geometry from "./Geometry.js"
import * as IndexPageMap from "./IndexPageMap.js"
import * as PageCache from "./PageCache.js"
import * as ReadQueue from "./ReadQueue.js"
import * as RecordPage from "./RecordPage.js"
import { CorruptData, InvalidArgument, IoError, type Queued, type VolumeError } from "./VolumeError.js"
import { makeChapterMaps } from "./internal/volume/chapterMaps.js"
import { chapterPagesAgree } from "./internal/volume/chapterPages.js"
import { makeLookupCached } from "./internal/volume/cachedLookup.js"
import { NEED_CHAPTER_MAP, type Step } from "./internal/volume/lookupStep.js"
import { makePageReader } from "./internal/volume/pageReader.js"
import { checkIndex, checkName, checkRecords, checkVirtualChapter } from "./internal/volume/volumeInput.js"

/** How to open a volume. */
export interface Options {
  readonly geometry: Geometry.Geometry
  /** The volume nonce stamped into every index page (u64). */
  readonly nonce: bigint
  /** Page cache size in chapters' worth of record pages; default 7. */
  readonly cacheChapters?: number
  /** Reader fibers; default 2. */
  readonly readThreads?: number
}

/** Counters of a volume since it was opened. */
export interface VolumeStats extends PageCache.PageCacheStats, ReadQueue.ReadQueueStats {
  readonly chaptersWritten: number
}

/** The volume service. */
export interface Service {
  readonly geometry: Geometry.Geometry
  /**
   * Writes virtual chapter `virtualChapter` from up to recordsPerChapter
   * packed 32-byte records (record i goes on record page
   * floor(i / recordsPerPage); a short chapter is padded with copies of its
   * last record, which are not indexed): index pages, then record pages,
   * then a flush.
   */
  readonly writeChapter: (virtualChapter: number, records: Uint8Array) => Effect.Effect<void, IoError | InvalidArgument>
  /** The data of `name` in virtual chapter `virtualChapter`; waits for any page reads it needs. */
  readonly lookup: (
    name: Uint8Array,
    virtualChapter: number
  ) => Effect.Effect<Option.Option<Uint8Array>, CorruptData | IoError | InvalidArgument>
  /**
   * Like `lookup` but never waits for I/O: fails with `Queued` after queueing
   * the read it needs; retry once `Queued.ready` completes. If that read
   * failed, the retry in the fiber that awaited `ready` fails with its error
   * (`IoError` or `CorruptData`); a later request reads the page again.
   */
  readonly lookupCached: (
    name: Uint8Array,
    virtualChapter: number
  ) => Effect.Effect<Option.Option<Uint8Array>, Queued | CorruptData | IoError | InvalidArgument>
  /** Whether `name` is stored in virtual chapter `virtualChapter` (used while rebuilding an index). */
  readonly lookupForRebuild: (
    name: Uint8Array,
    virtualChapter: number
  ) => Effect.Effect<boolean, CorruptData | IoError | InvalidArgument>
  /**
   * A copy of one page of a physical chapter: index pages are
   * 0 .. indexPagesPerChapter − 1, record pages follow. An index page that
   * does not decode is `CorruptData`.
   */
  readonly getPage: (
    physicalChapter: number,
    pageInChapter: number
  ) => Effect.Effect<Uint8Array, CorruptData | IoError | InvalidArgument>
  /**
   * The decoded index pages of virtual chapter `virtualChapter`;
   * `CorruptData` when its physical chapter holds another chapter or its
   * pages disagree.
   */
  readonly readChapterIndex: (
    virtualChapter: number
  ) => Effect.Effect<ReadonlyArray<ChapterIndex.IndexPage>, CorruptData | IoError | InvalidArgument>
  /** Drops every cached or queued page of the chapter's physical chapter, so none is served again. */
  readonly forgetChapter: (virtualChapter: number) => Effect.Effect<void>
  /** Queues reads of every page of a physical chapter not yet cached (a hint: out-of-range chapters are ignored). */
  readonly prefetchChapter: (physicalChapter: number) => Effect.Effect<void>
  /** The oldest and newest virtual chapters on the volume, found by probing chapter index pages. */
  readonly findChapterBoundaries: Effect.Effect<
    { readonly lowest: number; readonly highest: number; readonly isEmpty: boolean },
    CorruptData | IoError
  >
  /** The counters so far. */
  readonly stats: Effect.Effect<VolumeStats>
}

/** The volume service tag. */
export class Volume extends Context.Tag("@effect-uds/volume/Volume")<Volume, Service>() {}

const NONCE_LIMIT = 1n << 64n

/**
 * Builds a volume over the BlockDevice, PageCache, ReadQueue and
 * IndexPageMap in context. The device must hold at least
 * `geometry.bytesPerVolume` bytes; the volume opens over whatever it holds
 * (zeros are an empty volume) and never formats it.
 */
export const make = (
  options: Options
): Effect.Effect<
  Service,
  InvalidArgument,
  BlockDevice | PageCache.PageCache | ReadQueue.ReadQueue | IndexPageMap.IndexPageMap | Scope.Scope
> =>
  Effect.gen(function*() {
    const { geometry, nonce } = options
    if (typeof nonce !== "bigint" || nonce < 0n || nonce >= NONCE_LIMIT) {
      return yield* new InvalidArgument({ message: `nonce must be a bigint from 0 to 2^64 - 1, got ${String(nonce)}` })
    }
    const device = yield* BlockDevice
    if (device.size < geometry.bytesPerVolume) {
      return yield* new InvalidArgument({
        message: `device of ${device.size} bytes is smaller than the volume's ${geometry.bytesPerVolume} bytes`
      })
    }
    const cache = yield* PageCache.PageCache
    const queue = yield* ReadQueue.ReadQueue
    const pageMap = yield* IndexPageMap.IndexPageMap
    const writeLock = yield* Effect.makeSemaphore(1)

    const {
      bytesPerPage, chaptersPerVolume, indexPagesPerChapter, pagesPerChapter,
      recordPagesPerChapter, recordsPerPage, recordsPerChapter
    } = geometry
    const mapToPhysical = (virtualChapter: number) => Geometry.mapToPhysicalChapter(geometry, virtualChapter)
    const firstPage = (physicalChapter: number) => Geometry.physicalPage(geometry, physicalChapter, 0)
    let chaptersWritten = 0

    const maps = makeChapterMaps(geometry, pageMap)

    // The index pages of a chapter from the cache, learning its map from them;
    // a missing page's number, or CorruptData when they disagree.
    const chapterMapFromCache = (physicalChapter: number): number | CorruptData | undefined => {
      const pages: Array<ChapterIndex.IndexPage> = []
      for (let k = 0; k < indexPagesPerChapter; k++) {
        const page = cache.indexPage(firstPage(physicalChapter) + k)
        if (page === undefined) return firstPage(physicalChapter) + k
        pages.push(page)
      }
      const problem = chapterPagesAgree(geometry, physicalChapter, pages)
      if (problem !== undefined) return problem
      maps.learn(physicalChapter, pages, maps.generation(physicalChapter))
      return undefined
    }

    // One synchronous pass of a lookup over what is cached (or held: pages just
    // read for this request, which may already have been evicted again).
    const step = (
      name: Uint8Array,
      virtualChapter: number,
      heldIndex: ReadQueue.PageRead | undefined,
      heldRecord: ReadQueue.PageRead | undefined
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
      const problem = maps.check(chapter, k, indexPageNumber, indexPage)
      if (problem !== undefined) return problem
      // The chapter now holds another virtual chapter: the name is not there.
      if (indexPage.virtualChapter !== virtualChapter) return null
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

    const { chapterIndexPagesNow, getChapterIndexPages, getIndexPage, getRecordPage, readPage } = makePageReader(
      geometry,
      cache,
      queue
    )

    const loadChapterMap = (physicalChapter: number): Effect.Effect<void, CorruptData | IoError> =>
      Effect.suspend(() => {
        const generation = maps.generation(physicalChapter)
        return Effect.flatMap(getChapterIndexPages(physicalChapter), (pages) => {
          const problem = chapterPagesAgree(geometry, physicalChapter, pages)
          if (problem !== undefined) return Effect.fail(problem)
          maps.learn(physicalChapter, pages, generation)
          return Effect.void
        })
      })

    const NOT_FOUND = Effect.succeed(Option.none<Uint8Array>())

    // The answer of a step that found one.
    const settled = (result: Exclude<Step, number>): Effect.Effect<Option.Option<Uint8Array>, CorruptData> => {
      if (result === null) return NOT_FOUND
      if (result instanceof Uint8Array) return Effect.succeed(Option.some(result))
      return Effect.fail(result)
    }

    // The waiting path of a lookup: read what is missing, then step again,
    // holding on to the pages read so a small, busy cache cannot starve it.
    const lookupWaiting = (
      name: Uint8Array,
      virtualChapter: number,
      missing: number,
      heldIndex: ReadQueue.PageRead | undefined,
      heldRecord: ReadQueue.PageRead | undefined
    ): Effect.Effect<Option.Option<Uint8Array>, CorruptData | IoError> => {
      // Pages the device reads synchronously are read here, stepping again with no Effect in between.
      while (missing !== NEED_CHAPTER_MAP) {
        const read = queue.readNow(missing)
        if (read === undefined) break
        if (read.error !== undefined) return Effect.fail(read.error)
        if (read.indexPage !== undefined) heldIndex = read
        else heldRecord = read
        const result = step(name, virtualChapter, heldIndex, heldRecord)
        if (typeof result !== "number") return settled(result)
        missing = result
      }
      const index = heldIndex
      const record = heldRecord
      if (missing === NEED_CHAPTER_MAP) {
        return Effect.flatMap(
          loadChapterMap(mapToPhysical(virtualChapter)),
          () => stepAgain(name, virtualChapter, index, record)
        )
      }
      return Effect.flatMap(readPage(missing), (read) =>
        read?.indexPage !== undefined
          ? stepAgain(name, virtualChapter, read, record)
          : stepAgain(name, virtualChapter, index, read?.recordPage !== undefined ? read : record))
    }

    const stepAgain = (
      name: Uint8Array,
      virtualChapter: number,
      heldIndex: ReadQueue.PageRead | undefined,
      heldRecord: ReadQueue.PageRead | undefined
    ): Effect.Effect<Option.Option<Uint8Array>, CorruptData | IoError> => {
      const result = step(name, virtualChapter, heldIndex, heldRecord)
      return typeof result === "number"
        ? lookupWaiting(name, virtualChapter, result, heldIndex, heldRecord)
        : settled(result)
    }

    const lookup: Service["lookup"] = (name, virtualChapter) =>
      Effect.suspend((): ReturnType<Service["lookup"]> => {
        const invalid = checkName(name) ?? checkVirtualChapter(virtualChapter)
        if (invalid !== undefined) return Effect.fail(invalid)
        const result = step(name, virtualChapter, undefined, undefined)
        return typeof result === "number"
          ? lookupWaiting(name, virtualChapter, result, undefined, undefined)
          : settled(result)
      })

    const lookupCached: Service["lookupCached"] = makeLookupCached({ geometry, cache, queue, pageMap, maps, step, settled })

    const invalidateChapter = (physicalChapter: number) => {
      maps.invalidate(physicalChapter)
      const first = firstPage(physicalChapter)
      for (let page = first; page < first + pagesPerChapter; page++) {
        cache.invalidate(page)
        queue.invalidate(page)
      }
    }

    // Packing fails only when a geometry's last index page cannot hold even the
    // empty lists the data leaves for it (the reference's OVERFLOW).
    const packChapter = (virtualChapter: number, records: Uint8Array, count: number) => {
      try {
        return ChapterIndex.packChapter(geometry, nonce, virtualChapter, records, count)
      } catch (cause) {
        return new InvalidArgument({
          message: `the index of chapter ${virtualChapter} does not fit its ${indexPagesPerChapter} index pages: ` +
            `${cause instanceof Error ? cause.message : String(cause)}`
        })
      }
    }

    // Runs device work in a fiber of the volume's scope: closing the volume
    // interrupts a write or flush stuck on the device, as it does waiting
    // lookups, instead of leaving the caller's fiber hanging in it.
    const volumeScope = yield* Scope.Scope
    const inVolumeScope = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.flatMap(Effect.forkIn(effect, volumeScope), (fiber) =>
        Effect.onInterrupt(Fiber.join(fiber), () => Fiber.interrupt(fiber)))

    // One chapter's bytes, reused by every write (writes hold the write lock):
    // a fresh megabyte per chapter costs more than filling it. A write that
    // did not finish may still be read from by the OS, so its buffer is
    // abandoned and the next write makes a new one.
    let chapterBuffer: Uint8Array | undefined
    let chapterBufferInUse = false
    const takeChapterBuffer = (): Uint8Array => {
      if (chapterBuffer === undefined || chapterBufferInUse) chapterBuffer = new Uint8Array(pagesPerChapter * bytesPerPage)
      chapterBufferInUse = true
      return chapterBuffer
    }
    const releaseChapterBuffer = () => {
      chapterBufferInUse = false
    }

    const writeChapter: Service["writeChapter"] = (virtualChapter, records) =>
      Effect.suspend((): ReturnType<Service["writeChapter"]> => {
        const invalid = checkVirtualChapter(virtualChapter) ?? checkRecords(geometry, records)
        if (invalid !== undefined) return Effect.fail(invalid)
        const chapter = mapToPhysical(virtualChapter)
        const count = records.length / 32
        const full = count === recordsPerChapter ? records : padChapter(records, recordsPerChapter)
        const packed = packChapter(virtualChapter, full, count)
        if (packed instanceof InvalidArgument) return Effect.fail(packed)
        // The whole chapter is contiguous on the device: index pages, then
        // record pages, laid out under the write lock (the buffer is shared).
        const layOut = (): Uint8Array => {
          const bytes = takeChapterBuffer()
          packed.pages.forEach((page, k) => bytes.set(page, k * bytesPerPage))
          for (let p = 0; p < recordPagesPerChapter; p++) {
            RecordPage.encodeInto(geometry, full, p * recordsPerPage * 32, bytes, (indexPagesPerChapter + p) * bytesPerPage)
          }
          return bytes
        }
        const start = () => {
          maps.rewriting(chapter)
          invalidateChapter(chapter)
        }
        // Pages read while the chapter was being written may be torn: drop them
        // all, then donate the new index pages to the cache.
        const finish = () => {
          invalidateChapter(chapter)
          maps.written(virtualChapter, chapter, packed.highestLists)
          packed.decoded.forEach((page, k) => cache.installIndexPage(firstPage(chapter) + k, page))
          chaptersWritten++
        }
        return Effect.sync(start).pipe(
          Effect.zipRight(Effect.suspend(() => device.write(firstPage(chapter) * bytesPerPage, layOut()))),
          Effect.zipRight(Effect.sync(releaseChapterBuffer)),
          Effect.zipRight(device.flush),
          // Failed or interrupted: pages read meanwhile may be torn.
          Effect.onError(() => Effect.sync(() => invalidateChapter(chapter))),
          Effect.zipRight(Effect.sync(finish)),
          inVolumeScope,
          writeLock.withPermits(1),
          Effect.withSpan("Volume.writeChapter", { attributes: { virtualChapter }, captureStackTrace: false })
        )
      })

    const getPage: Service["getPage"] = (physicalChapter, pageInChapter) =>
      Effect.suspend((): ReturnType<Service["getPage"]> => {
        const invalid = checkIndex("physical chapter", physicalChapter, chaptersPerVolume) ??
          checkIndex("page in chapter", pageInChapter, pagesPerChapter)
        if (invalid !== undefined) return Effect.fail(invalid)
        const physicalPage = firstPage(physicalChapter) + pageInChapter
        if (pageInChapter < indexPagesPerChapter) {
          return Effect.map(getIndexPage(physicalPage), (page) => page.bytes.slice())
        }
        return Effect.map(getRecordPage(physicalPage), (bytes) => bytes.slice())
      })

    const readChapterIndex: Service["readChapterIndex"] = (virtualChapter) =>
      Effect.suspend((): ReturnType<Service["readChapterIndex"]> => {
        const invalid = checkVirtualChapter(virtualChapter)
        if (invalid !== undefined) return Effect.fail(invalid)
        const chapter = mapToPhysical(virtualChapter)
        const generation = maps.generation(chapter)
        return Effect.flatMap(getChapterIndexPages(chapter), (pages) => {
          const disagreement = chapterPagesAgree(geometry, chapter, pages)
          if (disagreement !== undefined) return Effect.fail(disagreement)
          // On a freshly opened volume the chapter's own pages teach the map;
          // a map already known must agree with them.
          if (!maps.isKnown(chapter)) maps.learn(chapter, pages, generation)
          const problem = !maps.isKnown(chapter)
            ? undefined
            : pages.map((page, k) => maps.check(chapter, k, firstPage(chapter) + k, page)).find((p) => p !== undefined)
          if (problem !== undefined) return Effect.fail(problem)
          if (pages[0]!.virtualChapter !== virtualChapter) {
            return Effect.fail(new CorruptData({
              message: `chapter ${chapter} holds virtual chapter ${pages[0]!.virtualChapter}, not ${virtualChapter}`,
              physicalPage: firstPage(chapter)
            }))
          }
          return Effect.succeed(pages)
        })
      })

    // The virtual chapter a physical chapter's index pages hold, learning its
    // map from them; undefined when they do not make one chapter.
    const probedChapter = (
      physicalChapter: number,
      pages: ReadonlyArray<ChapterIndex.IndexPage>,
      generation: number
    ): number | undefined => {
      if (chapterPagesAgree(geometry, physicalChapter, pages) !== undefined) return undefined
      maps.learn(physicalChapter, pages, generation)
      return pages[0]!.virtualChapter
    }

    // probe(c) of volume.md §11.1: the chapter's virtual chapter, or undefined
    // when it is bad. Device errors are not a bad chapter: they fail the search.
    // A boundary search is a chain of probes, one after another: a probe
    // answers directly when its pages are cached or read synchronously.
    const probe: ChapterBoundaries.Probe<IoError, never> = (physicalChapter) => {
      const generation = maps.generation(physicalChapter)
      const now = chapterIndexPagesNow(physicalChapter)
      if (Array.isArray(now)) return probedChapter(physicalChapter, now, generation)
      if (now instanceof CorruptData) return undefined
      if (now instanceof IoError) return Effect.fail(now)
      return getChapterIndexPages(physicalChapter).pipe(
        Effect.map((pages) => probedChapter(physicalChapter, pages, generation)),
        Effect.catchTag("CorruptData", () => Effect.succeed(undefined))
      )
    }

    // No span here: one costs about 8 µs, a fifth of the whole search. The
    // rebuild that calls this is the coarse operation to trace.
    const findChapterBoundaries: Service["findChapterBoundaries"] = ChapterBoundaries.find(geometry, probe)

    return {
      geometry,
      writeChapter,
      lookup,
      lookupCached,
      lookupForRebuild: (name, virtualChapter) => Effect.map(lookup(name, virtualChapter), Option.isSome),
      getPage,
      readChapterIndex,
      forgetChapter: (virtualChapter) =>
        Effect.sync(() => {
          if (checkVirtualChapter(virtualChapter) === undefined) invalidateChapter(mapToPhysical(virtualChapter))
        }),
      prefetchChapter: (physicalChapter) =>
        Effect.sync(() => {
          if (checkIndex("physical chapter", physicalChapter, chaptersPerVolume) !== undefined) return
          const first = firstPage(physicalChapter)
          for (let page = first; page < first + pagesPerChapter; page++) {
            const cached = page - first < indexPagesPerChapter ? cache.indexPage(page) : cache.recordPage(page)
            if (cached === undefined) queue.request(page)
          }
        }),
      findChapterBoundaries,
      stats: Effect.sync(() => ({ ...cache.stats(), ...queue.stats(), chaptersWritten }))
    }
  })

// A full chapter from a short one: the rest is copies of its last record,
// as the reference pads with its fill record.
const padChapter = (records: Uint8Array, recordsPerChapter: number): Uint8Array => {
  const full = new Uint8Array(recordsPerChapter * 32)
  full.set(records)
  const last = records.subarray(records.length - 32)
  for (let offset = records.length; offset < full.length; offset += 32) full.set(last, offset)
  return full
}

/**
 * A volume layer over the BlockDevice in context, with its own page cache,
 * read queue (and reader fibers) and index page map. Closing the layer's
 * scope stops the readers and interrupts every lookup still waiting.
 *
 * @example
 * const volume = Volume.layer({ geometry, nonce: 42n }).pipe(
 *   Layer.provide(BlockDevice.layerFile("volume.bin", { create: true, size: geometry.bytesPerVolume }))
 * )
 */
export const layer = (options: Options): Layer.Layer<Volume, VolumeError, BlockDevice> => {
  const cache = PageCache.layer({ geometry: options.geometry, ...optional("cacheChapters", options.cacheChapters) })
  const queue = ReadQueue.layer({
    geometry: options.geometry,
    nonce: options.nonce,
    ...optional("readThreads", options.readThreads)
  })
  return Layer.scoped(Volume, make(options)).pipe(
    Layer.provide(Layer.provideMerge(queue, cache)),
    Layer.provide(IndexPageMap.layer(options.geometry))
  )
}

// Spreads { key: value } only when value is defined (exactOptionalPropertyTypes).
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
