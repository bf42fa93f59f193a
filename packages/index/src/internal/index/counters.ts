/**
 * The session's request counters (index.md §13): successful requests only,
 * by type and found, POSTs also by where they were found. QUERY_NO_UPDATE
 * counts as a query.
 *
 * @internal
 */
import type { Answer, RequestType } from "./core.js"

export interface Counters {
  postsFound: number
  postsNotFound: number
  inMemoryPostsFound: number
  densePostsFound: number
  sparsePostsFound: number
  updatesFound: number
  updatesNotFound: number
  deletionsFound: number
  deletionsNotFound: number
  queriesFound: number
  queriesNotFound: number
  requests: number
}

export const makeCounters = (): Counters => ({
  postsFound: 0,
  postsNotFound: 0,
  inMemoryPostsFound: 0,
  densePostsFound: 0,
  sparsePostsFound: 0,
  updatesFound: 0,
  updatesNotFound: 0,
  deletionsFound: 0,
  deletionsNotFound: 0,
  queriesFound: 0,
  queriesNotFound: 0,
  requests: 0
})

/** Counts one successful request. */
export const count = (counters: Counters, type: RequestType, answer: Answer): void => {
  counters.requests++
  const found = answer.found
  switch (type) {
    case "post":
      if (!found) {
        counters.postsNotFound++
        return
      }
      counters.postsFound++
      if (answer.location === "openChapter") counters.inMemoryPostsFound++
      else if (answer.location === "dense") counters.densePostsFound++
      else if (answer.location === "sparse") counters.sparsePostsFound++
      return
    case "update":
      if (found) counters.updatesFound++
      else counters.updatesNotFound++
      return
    case "delete":
      if (found) counters.deletionsFound++
      else counters.deletionsNotFound++
      return
    default:
      if (found) counters.queriesFound++
      else counters.queriesNotFound++
  }
}
