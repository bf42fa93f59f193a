/**
 * The body of Volume.make: the volume's services tied together. The lookup
 * path lives in lookup.ts, the chapter writer in chapterWriter.ts; here are
 * page access, chapter indexes, forgetting, prefetching and the boundary
 * search.
 *
 * @internal
 */
import { Effect, Option, type Scope } from "effect"
import { BlockDevice } from "../../BlockDevice.js"
import * as ChapterBoundaries from "../../ChapterBoundaries.js"
import { mapToPhysicalChapter, physicalPage } from "../../Geometry.js"
import { IndexPageMap } from "../../IndexPageMap.js"
import { PageCache } from "../../PageCache.js"
import { ReadQueue } from "../../ReadQueue.js"
import type { Options, Service } from "../../Volume.js"
import { CorruptData, InvalidArgument } from "../../VolumeError.js"
import { directReaderOf } from "../device/directRead.js"
import { makeChapterMaps } from "./chapterMaps.js"
import { makeChapterProbe } from "./chapterProbe.js"
import { chapterPagesAgree } from "./chapterPages.js"
import { makeChapterWriter } from "./chapterWriter.js"
import { makeLookups } from "./lookup.js"
import { makePageReader } from "./pageReader.js"
import { checkIndex, checkVirtualChapter, describeValue } from "./volumeInput.js"

const NONCE_LIMIT = 1n << 64n

/** Volume.make. */
export const make = (
  options: Options
): Effect.Effect<Service, InvalidArgument, BlockDevice | PageCache | ReadQueue | IndexPageMap | Scope.Scope> =>
  Effect.gen(function*() {
    const { geometry, nonce } = options
    if (typeof nonce !== "bigint" || nonce < 0n || nonce >= NONCE_LIMIT) {
      return yield* new InvalidArgument({ message: `nonce must be a bigint from 0 to 2^64 - 1, got ${describeValue(nonce)}` })
    }
    const device = yield* BlockDevice
    if (device.size < geometry.bytesPerVolume) {
      return yield* new InvalidArgument({
        message: `device of ${device.size} bytes is smaller than the volume's ${geometry.bytesPerVolume} bytes`
      })
    }
    const cache = yield* PageCache
    const queue = yield* ReadQueue
    const pageMap = yield* IndexPageMap
    const { chaptersPerVolume, indexPagesPerChapter, pagesPerChapter } = geometry
    const mapToPhysical = (virtualChapter: number) => mapToPhysicalChapter(geometry, virtualChapter)
    const firstPage = (physicalChapter: number) => physicalPage(geometry, physicalChapter, 0)

    const maps = makeChapterMaps(geometry, pageMap)
    const reader = makePageReader(geometry, cache, queue, directReaderOf(device))
    const { getChapterIndexPages, getIndexPage, getRecordPage } = reader
    const { lookup, lookupCached } = makeLookups({ geometry, cache, queue, pageMap, maps, reader })

    const invalidateChapter = (physicalChapter: number) => {
      maps.invalidate(physicalChapter)
      const first = firstPage(physicalChapter)
      for (let page = first; page < first + pagesPerChapter; page++) {
        cache.invalidate(page)
        queue.invalidate(page)
      }
    }

    const writer = yield* makeChapterWriter({
      geometry,
      nonce,
      device,
      cache,
      maps,
      invalidateChapter,
      scope: yield* Effect.scope
    })

    const getPage: Service["getPage"] = (physicalChapter, pageInChapter) =>
      Effect.suspend((): ReturnType<Service["getPage"]> => {
        const invalid = checkIndex("physical chapter", physicalChapter, chaptersPerVolume) ??
          checkIndex("page in chapter", pageInChapter, pagesPerChapter)
        if (invalid !== undefined) return Effect.fail(invalid)
        const page = firstPage(physicalChapter) + pageInChapter
        if (pageInChapter < indexPagesPerChapter) {
          return Effect.map(getIndexPage(page), (indexPage) => indexPage.bytes.slice())
        }
        return Effect.map(getRecordPage(page), (bytes) => bytes.slice())
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

    const probe = makeChapterProbe(geometry, nonce, cache, maps, reader)

    return {
      geometry,
      writeChapter: writer.writeChapter,
      lookup,
      lookupCached,
      lookupForRebuild: (name, virtualChapter) => Effect.map(lookup(name, virtualChapter), Option.isSome),
      getPage,
      readChapterIndex,
      forgetChapter: (virtualChapter) =>
        Effect.sync(() => {
          if (checkVirtualChapter(virtualChapter) !== undefined) return
          invalidateChapter(mapToPhysical(virtualChapter))
          writer.forgot(virtualChapter)
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
      // No span here: one costs about 8 µs, a fifth of the whole search. The
      // rebuild that calls this is the coarse operation to trace.
      findChapterBoundaries: Effect.tap(ChapterBoundaries.find(geometry, probe), (found) => {
        if (!found.isEmpty) writer.found(found.highest)
      }),
      stats: Effect.sync(() => {
        const queueStats = queue.stats()
        // The boundary search's probes read past the queue; their reads count too.
        return {
          ...cache.stats(),
          ...queueStats,
          pagesRead: queueStats.pagesRead + reader.bytesReads(),
          chaptersWritten: writer.chaptersWritten()
        }
      })
    }
  })
