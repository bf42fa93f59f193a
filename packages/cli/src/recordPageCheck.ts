/**
 * The checks `verify` makes of one record page: its records are in search
 * tree order, and each is found through the chapter index with its own data.
 *
 * @since 0.1.0
 */
import type { Volume, VolumeError } from "@effect-uds/volume"
import { Effect, Option } from "effect"
import { hex } from "./format.js"

/** What was wrong on one record page. */
export interface RecordPageFindings {
  /** Records whose name sorts out of place in the page's search tree. */
  readonly outOfOrder: number
  /** Records the chapter index does not lead back to. */
  readonly missing: number
  /** Records found with data other than their own. */
  readonly differing: number
  /** The first record found wrong, for the report. */
  readonly first: string | undefined
}

const compareNames = (page: Uint8Array, a: number, b: number): number =>
  Buffer.compare(page.subarray(a * 32, a * 32 + 16), page.subarray(b * 32, b * 32 + 16))

/**
 * How many slots of a page of `n` records break the order of its implicit
 * search tree (node k's children are 2k+1 and 2k+2): walked in order, the
 * names must never decrease.
 */
export const outOfOrderSlots = (page: Uint8Array, n: number): number => {
  let count = 0
  let previous = -1
  const stack: Array<number> = []
  let node = 0
  while (node < n || stack.length > 0) {
    for (; node < n; node = 2 * node + 1) stack.push(node)
    node = stack.pop()!
    if (previous >= 0 && compareNames(page, previous, node) > 0) count++
    previous = node
    node = 2 * node + 2
  }
  return count
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i])

/** Checks one record page of `virtualChapter`, looking every record on it up in that chapter. */
export const checkRecordPage = (
  volume: Volume.Service,
  virtualChapter: number,
  page: Uint8Array
): Effect.Effect<RecordPageFindings, VolumeError.IoError | VolumeError.InvalidArgument> =>
  Effect.gen(function*() {
    const { recordsPerPage } = volume.geometry
    let missing = 0
    let differing = 0
    let first: string | undefined
    for (let slot = 0; slot < recordsPerPage; slot++) {
      const name = page.subarray(slot * 32, slot * 32 + 16)
      const found = yield* Effect.either(volume.lookup(name, virtualChapter))
      if (found._tag === "Left" && found.left._tag !== "CorruptData") return yield* found.left
      const data = found._tag === "Right" ? Option.getOrUndefined(found.right) : undefined
      if (data !== undefined && sameBytes(data, page.subarray(slot * 32 + 16, slot * 32 + 32))) continue
      if (data === undefined) missing++
      else differing++
      first ??= `slot ${slot}, name ${hex(name)}` + (found._tag === "Left" ? `: ${found.left.message}` : "")
    }
    return { outOfOrder: outOfOrderSlots(page, recordsPerPage), missing, differing, first }
  })
