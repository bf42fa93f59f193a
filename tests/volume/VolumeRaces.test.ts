// Races between lookups, forgets and rewrites of the same physical chapter,
// with the same names in both chapters (dedup data repeats names).
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { BlockDevice } from "@effect-uds/volume"
import { openFaultyVolume, pageBytes } from "../support/faults.js"
import { chapterRecords, recordAt, smallGeometry } from "../support/volumes.js"

/** The records of `records` with the same names and every data byte inverted. */
export const sameNamesOtherData = (records: Uint8Array): Uint8Array => {
  const other = records.slice()
  for (let offset = 16; offset < other.length; offset += 32) {
    for (let i = 0; i < 16; i++) other[offset + i] = ~other[offset + i]! & 0xff
  }
  return other
}

describe("Volume races", () => {
  it.scoped("a lookup waiting across a forget and rewrite of its chapter does not answer with the new chapter's data", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const { faults, volume } = yield* openFaultyVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      const first = chapterRecords(geometry, 0)
      yield* volume.writeChapter(0, first)
      // Cold cache: the lookup reads (and holds) the index page itself.
      yield* volume.forgetChapter(0)
      // Chapter 16 lands in the same physical chapter with the same names and other data.
      const rewrite = sameNamesOtherData(first)
      const recordPages = {
        start: pageBytes(geometry, 0, geometry.indexPagesPerChapter).start,
        end: pageBytes(geometry, 0, geometry.pagesPerChapter - 1).end
      }
      yield* faults.hang({ operation: "read", when: BlockDevice.overlaps(recordPages.start, recordPages.end) })
      const { name } = recordAt(first, 200)
      const waiting = yield* Effect.fork(volume.lookup(name, 0))
      while ((yield* faults.hanging) === 0) yield* Effect.yieldNow()
      yield* volume.forgetChapter(0)
      yield* volume.writeChapter(16, rewrite)
      yield* faults.release
      const answer = yield* Fiber.join(waiting)
      assert.isTrue(Option.isNone(answer), "chapter 0 is gone: its names are not found")
      // The new chapter answers with its own data.
      const found = yield* volume.lookup(name, 16)
      assert.deepStrictEqual(Option.getOrThrow(found), recordAt(rewrite, 200).data.slice())
    }))
})
