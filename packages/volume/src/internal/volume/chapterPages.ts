// Whether the index pages of one physical chapter form a whole chapter (volume.md §11.1).
import type { IndexPage } from "../../ChapterIndex.js"
import { type Geometry, mapToPhysicalChapter, physicalPage } from "../../Geometry.js"
import { CorruptData } from "../../VolumeError.js"
import { claimOf } from "./chapterClaims.js"

/**
 * The header fields of a chapter's index pages, page k at index k: what
 * the agreement check needs, held in typed arrays so a caller that reads
 * headers without decoding pages (the boundary search's probe) fills them
 * without allocating.
 */
export class ChapterHeaders {
  readonly virtualChapter: Float64Array
  readonly lowestList: Float64Array
  readonly highestList: Float64Array

  constructor(readonly capacity: number) {
    this.virtualChapter = new Float64Array(capacity)
    this.lowestList = new Float64Array(capacity)
    this.highestList = new Float64Array(capacity)
  }

  /** Sets page k's fields. */
  set(k: number, virtualChapter: number, lowestList: number, highestList: number): void {
    this.virtualChapter[k] = virtualChapter
    this.lowestList[k] = lowestList
    this.highestList[k] = highestList
  }
}

/**
 * Where the first `count` pages in `headers` stop making one chapter: the
 * first page k that holds another virtual chapter than page 0 or does not
 * start at the delta list after the previous page's last (the lists must be
 * contiguous from 0); `count` when they agree but their virtual chapter
 * belongs in another physical chapter; -1 when they make one chapter of
 * this physical chapter. A torn chapter (pages of two writes) fails here.
 */
export const chapterHeadersDisagree = (
  geometry: Geometry,
  physicalChapter: number,
  headers: ChapterHeaders,
  count: number
): number => {
  if (count === 0) return -1
  const virtualChapter = headers.virtualChapter[0]!
  let expectedList = 0
  for (let k = 0; k < count; k++) {
    if (headers.virtualChapter[k] !== virtualChapter || headers.lowestList[k] !== expectedList) return k
    expectedList = headers.highestList[k]! + 1
  }
  return mapToPhysicalChapter(geometry, virtualChapter) === physicalChapter ? -1 : count
}

// Decoded pages are checked through one set of headers: the check is synchronous.
let shared = new ChapterHeaders(1)

/**
 * CorruptData when the index pages read from a physical chapter do not make
 * one chapter (chapterHeadersDisagree), saying how.
 */
export const chapterPagesAgree = (
  geometry: Geometry,
  physicalChapter: number,
  pages: ReadonlyArray<IndexPage>
): CorruptData | undefined => {
  const count = pages.length
  if (shared.capacity < count) shared = new ChapterHeaders(count)
  for (let k = 0; k < count; k++) {
    const page = pages[k]!
    shared.set(k, page.virtualChapter, page.lowestList, page.highestList)
  }
  const at = chapterHeadersDisagree(geometry, physicalChapter, shared, count)
  if (at < 0) return undefined
  const first = pages[0]!
  if (at === count) {
    const home = mapToPhysicalChapter(geometry, first.virtualChapter)
    return claimOf(
      new CorruptData({
        message: `chapter ${physicalChapter} holds virtual chapter ${first.virtualChapter}, ` +
          `which belongs in chapter ${home}`,
        physicalPage: physicalPage(geometry, physicalChapter, 0)
      }),
      first.virtualChapter
    )
  }
  const page = pages[at]!
  const where = physicalPage(geometry, physicalChapter, at)
  // Pages of two chapters (a torn write): no one chapter is there.
  if (page.virtualChapter !== first.virtualChapter) {
    return claimOf(new CorruptData({
      message: `chapter ${physicalChapter} index page ${at} holds virtual chapter ${page.virtualChapter}, ` +
        `but page 0 holds ${first.virtualChapter}`,
      physicalPage: where
    }))
  }
  const expectedList = at === 0 ? 0 : pages[at - 1]!.highestList + 1
  return new CorruptData({
    message: `chapter ${physicalChapter} index page ${at} starts at delta list ${page.lowestList}, expected ${expectedList}`,
    physicalPage: where
  })
}
