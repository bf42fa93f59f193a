/**
 * probe(c) of volume.md §11.1 for the boundary search: the virtual chapter a
 * physical chapter holds, or undefined when it is bad.
 *
 * A search probes a dozen chapters and uses none of their pages, so a probe
 * does not decode or cache what it reads: each index page not already cached
 * is read into one reused buffer and checked in place (indexPageCheck.ts,
 * every list walked, as the spec's step 5 asks), and only its header is
 * kept. While the device reads synchronously a probe is a plain function
 * call, with no Effect, fiber or Deferred (but for a wait for the event loop
 * when the budget of synchronous reads is spent); otherwise it reads
 * through the queue as any page read does.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Probe } from "../../ChapterBoundaries.js"
import { type Geometry, physicalPage } from "../../Geometry.js"
import type { Service as PageCache } from "../../PageCache.js"
import { IoError } from "../../VolumeError.js"
import { checkIndexPage, IndexPageHeader } from "../format/indexPageCheck.js"
import type { ChapterMaps } from "./chapterMaps.js"
import { ChapterHeaders, chapterHeadersDisagree, chapterPagesAgree } from "./chapterPages.js"
import type { PageReader } from "./pageReader.js"

/** The probe's answer when its pages cannot all be had at once. */
const WAIT = -1

/** The boundary search's probe over one volume's cache, reader and maps. */
export const makeChapterProbe = (
  geometry: Geometry,
  nonce: bigint,
  cache: PageCache,
  maps: ChapterMaps,
  reader: PageReader
): Probe<IoError, never> => {
  const { indexPagesPerChapter } = geometry
  const bytes = new Uint8Array(geometry.bytesPerPage)
  const header = new IndexPageHeader()
  const headers = new ChapterHeaders(indexPagesPerChapter)

  // The chapter's virtual chapter from its pages' headers, learning its map;
  // undefined when they do not make one chapter.
  const agreed = (physicalChapter: number, generation: number): number | undefined => {
    if (chapterHeadersDisagree(geometry, physicalChapter, headers, indexPagesPerChapter) >= 0) return undefined
    const virtualChapter = headers.virtualChapter[0]!
    maps.learnHighest(physicalChapter, virtualChapter, headers.highestList, indexPagesPerChapter, generation)
    return virtualChapter
  }

  // The probe done at once: the virtual chapter, undefined for a bad chapter,
  // the device's error, or WAIT when some page must be read through the queue.
  const probeNow = (physicalChapter: number, generation: number): number | undefined | IoError => {
    const first = physicalPage(geometry, physicalChapter, 0)
    for (let k = 0; k < indexPagesPerChapter; k++) {
      const cached = cache.indexPage(first + k)
      if (cached !== undefined) {
        headers.set(k, cached.virtualChapter, cached.lowestList, cached.highestList)
        continue
      }
      const read = reader.readBytesNow(first + k, bytes)
      if (read === false) return WAIT
      if (read !== true) return read
      // A page that fails any check makes the chapter bad (§11.1 steps 1 and 5).
      if (checkIndexPage(geometry, nonce, bytes, header) !== undefined) return undefined
      headers.set(k, header.virtualChapter, header.firstList, header.highestList)
    }
    return agreed(physicalChapter, generation)
  }

  // The probe through the queue, when the device reads asynchronously or the
  // budget of synchronous reads is spent.
  const probeLater = (physicalChapter: number, generation: number): Effect.Effect<number | undefined, IoError> =>
    reader.getChapterIndexPages(physicalChapter).pipe(
      Effect.map((pages) => {
        if (chapterPagesAgree(geometry, physicalChapter, pages) !== undefined) return undefined
        maps.learn(physicalChapter, pages, generation)
        return pages[0]!.virtualChapter
      }),
      Effect.catchTag("CorruptData", () => Effect.succeed(undefined))
    )

  // Device errors are not a bad chapter: they fail the search. A probe that
  // met the end of the budget of synchronous reads waits for a turn of the
  // event loop and goes on in place; one that met an asynchronous device
  // reads through the queue.
  const answer = (
    physicalChapter: number,
    generation: number
  ): Effect.Effect<number | undefined, IoError> | number | undefined => {
    const now = probeNow(physicalChapter, generation)
    if (now !== WAIT) return now instanceof IoError ? Effect.fail(now) : now
    if (!reader.mustYield()) return probeLater(physicalChapter, generation)
    return Effect.zipRight(
      reader.yieldToEventLoop,
      Effect.suspend(() => {
        const later = answer(physicalChapter, generation)
        return Effect.isEffect(later) ? later : Effect.succeed(later)
      })
    )
  }
  return (physicalChapter) => answer(physicalChapter, maps.generation(physicalChapter))
}
