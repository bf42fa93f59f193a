/**
 * Turns index page bytes into a searchable page (chapter-index.md §8, §10):
 * the checks of indexPageCheck.ts, whose walk of every list fills the page's
 * entry table as it goes, so a page that decodes can be searched without
 * further checks.
 *
 * @internal
 */
import type { Geometry } from "../../Geometry.js"
import { MIN_BITS } from "./deltaCode.js"
import { checkIndexPageHeader, IndexPageHeader, walkIndexPageLists } from "./indexPageCheck.js"
import { type PackedIndexPage, PageEntriesBuilder } from "./packedIndexPage.js"

// Decoding is synchronous, so one header serves every call.
const header = new IndexPageHeader()

/**
 * Decodes and validates an index page; returns the page, or the reason it
 * is corrupt. Never throws, whatever the bytes.
 */
export const decodeIndexPage = (
  geometry: Geometry,
  nonce: bigint,
  bytes: Uint8Array
): PackedIndexPage | string => {
  const headerProblem = checkIndexPageHeader(geometry, nonce, bytes, header)
  if (headerProblem !== undefined) return headerProblem
  const { firstList, listCount } = header
  const payloadBits = geometry.chapterPayloadBits
  // Every entry has at least a value and a MIN_BITS key field.
  const builder = new PageEntriesBuilder(
    Math.floor((header.lastBit - header.firstBit) / (payloadBits + MIN_BITS)),
    listCount,
    bytes.length
  )
  const problem = walkIndexPageLists(geometry, header, builder)
  if (problem !== undefined) return problem
  // The page keeps its own copy: the caller may reuse `bytes`.
  builder.page.set(bytes)
  return builder.finish(header.virtualChapter, firstList, {
    payloadBits,
    addressBits: geometry.chapterAddressBits,
    listMask: geometry.deltaListsPerChapter - 1
  })
}
