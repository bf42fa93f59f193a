// Whether the index pages of one physical chapter form a whole chapter (volume.md §11.1).
import type { IndexPage } from "../../ChapterIndex.js"
import { type Geometry, mapToPhysicalChapter, physicalPage } from "../../Geometry.js"
import { CorruptData } from "../../VolumeError.js"
import { claimOf } from "./chapterClaims.js"

/**
 * CorruptData when the index pages read from a physical chapter do not make
 * one chapter: they must carry the same virtual chapter, cover contiguous
 * delta lists from 0, and the virtual chapter must belong in this physical
 * chapter. A torn chapter (pages of two writes) fails here.
 */
export const chapterPagesAgree = (
  geometry: Geometry,
  physicalChapter: number,
  pages: ReadonlyArray<IndexPage>
): CorruptData | undefined => {
  const first = pages[0]
  if (first === undefined) return undefined
  let expectedList = 0
  for (let k = 0; k < pages.length; k++) {
    const page = pages[k]!
    const at = physicalPage(geometry, physicalChapter, k)
    // Pages of two chapters (a torn write): no one chapter is there.
    if (page.virtualChapter !== first.virtualChapter) {
      return claimOf(new CorruptData({
        message: `chapter ${physicalChapter} index page ${k} holds virtual chapter ${page.virtualChapter}, ` +
          `but page 0 holds ${first.virtualChapter}`,
        physicalPage: at
      }))
    }
    if (page.lowestList !== expectedList) {
      return new CorruptData({
        message: `chapter ${physicalChapter} index page ${k} starts at delta list ${page.lowestList}, expected ${expectedList}`,
        physicalPage: at
      })
    }
    expectedList = page.highestList + 1
  }
  const home = mapToPhysicalChapter(geometry, first.virtualChapter)
  if (home !== physicalChapter) {
    return claimOf(
      new CorruptData({
        message: `chapter ${physicalChapter} holds virtual chapter ${first.virtualChapter}, ` +
          `which belongs in chapter ${home}`,
        physicalPage: physicalPage(geometry, physicalChapter, 0)
      }),
      first.virtualChapter
    )
  }
  return undefined
}
