/**
 * Installing a page just read in the page cache: a record page as its
 * bytes, an index page decoded (the cache keeps index pages decoded, so a
 * hit costs no decoding). An index page that does not decode is not cached.
 *
 * @internal
 */
import { Either } from "effect"
import * as ChapterIndex from "../../ChapterIndex.js"
import type { Geometry } from "../../Geometry.js"
import type { Service as PageCache } from "../../PageCache.js"
import { CorruptData } from "../../VolumeError.js"
import { claimOfBytes } from "./chapterClaims.js"
import { DecodedPageMemo } from "./decodedPageMemo.js"

/** What installing a page gave: the decoded index page, the record page's bytes (kept), or why it is not cached. */
export type Installed = ChapterIndex.IndexPage | Uint8Array | CorruptData

/** Installs pages read from the device in one cache. */
export interface PageInstaller {
  /** Whether a physical page is an index page. */
  readonly isIndexPage: (physicalPage: number) => boolean
  /**
   * Caches the bytes read from a physical page. A record page keeps `bytes`;
   * an index page keeps a copy in its decoded form, so `bytes` is free again.
   */
  readonly install: (physicalPage: number, bytes: Uint8Array) => Installed
}

/** The installer of a cache, decoding index pages of one geometry and nonce. */
export const makePageInstaller = (geometry: Geometry, nonce: bigint, cache: PageCache): PageInstaller => {
  const { headerPagesPerVolume, indexPagesPerChapter, pagesPerChapter } = geometry
  // As many decoded index pages as the cache has slots, beyond those it holds.
  const decodedPages = new DecodedPageMemo(cache.capacity)

  const isIndexPage = (physicalPage: number) =>
    (physicalPage - headerPagesPerVolume) % pagesPerChapter < indexPagesPerChapter

  const install = (physicalPage: number, bytes: Uint8Array): Installed => {
    if (!isIndexPage(physicalPage)) {
      cache.installRecordPage(physicalPage, bytes)
      return bytes
    }
    const remembered = decodedPages.find(physicalPage, bytes)
    if (remembered !== undefined) {
      cache.installIndexPage(physicalPage, remembered)
      return remembered
    }
    const decoded = ChapterIndex.decodePage(geometry, nonce, bytes)
    if (Either.isLeft(decoded)) {
      const error = new CorruptData({ message: `physical page ${physicalPage}: ${decoded.left.message}`, physicalPage })
      return claimOfBytes(error, bytes, nonce)
    }
    decodedPages.remember(physicalPage, decoded.right)
    cache.installIndexPage(physicalPage, decoded.right)
    return decoded.right
  }

  return { isIndexPage, install }
}
