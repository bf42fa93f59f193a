/**
 * What the volume knows of each physical chapter's index page map: whether
 * the map is right for it (learned from a write or from the chapter's own
 * index pages), and a generation bumped whenever the chapter's pages are
 * invalidated, so pages read before a rewrite cannot teach the map after it.
 *
 * @internal
 */
import type { IndexPage } from "../../ChapterIndex.js"
import { type Geometry, mapToPhysicalChapter } from "../../Geometry.js"
import type { Service as IndexPageMap } from "../../IndexPageMap.js"
import { CorruptData } from "../../VolumeError.js"

/** Map knowledge and generations of every physical chapter. */
export interface ChapterMaps {
  /** Whether the index page map is right for the chapter. */
  readonly isKnown: (physicalChapter: number) => boolean
  /** The chapter's generation now. */
  readonly generation: (physicalChapter: number) => number
  /** The chapter's pages were invalidated: reads started before cannot teach its map. */
  readonly invalidate: (physicalChapter: number) => void
  /** The chapter is being rewritten: its map is not known until `written` or `learn`. */
  readonly rewriting: (physicalChapter: number) => void
  /** A chapter write finished: its map is what the packer reported. */
  readonly written: (virtualChapter: number, physicalChapter: number, highestLists: ReadonlyArray<number>) => void
  /** Learns the map from the chapter's index pages read at `generation` (ignored if the chapter changed since). */
  readonly learn: (physicalChapter: number, pages: ReadonlyArray<IndexPage>, generation: number) => void
  /**
   * `learn` from the pages' header fields alone: the chapter's virtual
   * chapter and each page's highest delta list (its first `count` entries).
   */
  readonly learnHighest: (
    physicalChapter: number,
    virtualChapter: number,
    highestLists: ArrayLike<number>,
    count: number,
    generation: number
  ) => void
  /** The normal-mode check of an index page against the map (volume.md §5.2). */
  readonly check: (physicalChapter: number, k: number, physicalPage: number, page: IndexPage) => CorruptData | undefined
}

/** Map knowledge for a volume: with one index page per chapter the map is trivially right. */
export const makeChapterMaps = (geometry: Geometry, pageMap: IndexPageMap): ChapterMaps => {
  const { chaptersPerVolume, indexPagesPerChapter } = geometry
  const known = new Uint8Array(chaptersPerVolume).fill(indexPagesPerChapter === 1 ? 1 : 0)
  const generations = new Uint32Array(chaptersPerVolume)
  return {
    isKnown: (physicalChapter) => known[physicalChapter] === 1,
    generation: (physicalChapter) => generations[physicalChapter]!,
    invalidate: (physicalChapter) => {
      generations[physicalChapter] = generations[physicalChapter]! + 1
    },
    rewriting: (physicalChapter) => {
      if (indexPagesPerChapter > 1) known[physicalChapter] = 0
    },
    written: (virtualChapter, physicalChapter, highestLists) => {
      highestLists.forEach((highest, k) => pageMap.update(virtualChapter, physicalChapter, k, highest))
      known[physicalChapter] = 1
    },
    learn: (physicalChapter, pages, generation) => {
      if (generations[physicalChapter] !== generation) return
      const first = pages[0]!
      pages.forEach((page, k) => pageMap.update(first.virtualChapter, physicalChapter, k, page.highestList))
      known[physicalChapter] = 1
    },
    learnHighest: (physicalChapter, virtualChapter, highestLists, count, generation) => {
      if (generations[physicalChapter] !== generation) return
      for (let k = 0; k < count; k++) pageMap.update(virtualChapter, physicalChapter, k, highestLists[k]!)
      known[physicalChapter] = 1
    },
    check: (physicalChapter, k, physicalPage, page) => {
      const home = mapToPhysicalChapter(geometry, page.virtualChapter)
      if (home !== physicalChapter) {
        return new CorruptData({
          message: `index page ${k} of chapter ${physicalChapter} holds virtual chapter ${page.virtualChapter}, ` +
            `which belongs in chapter ${home}`,
          physicalPage
        })
      }
      const lowest = pageMap.lowestList(physicalChapter, k)
      const highest = pageMap.highestList(physicalChapter, k)
      if (page.lowestList !== lowest || page.highestList !== highest) {
        return new CorruptData({
          message: `index page ${k} of chapter ${physicalChapter} holds delta lists ` +
            `${page.lowestList}..${page.highestList}, but the index page map expects ${lowest}..${highest}`,
          physicalPage
        })
      }
      return undefined
    }
  }
}
