// A chapter that is not on the volume (never written, torn, or holding
// another virtual chapter) holds no names: lookups answer None, not an error
// (issue 14, item 6). A page that claims the chapter and is damaged is
// CorruptData.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { lookupCachedUntilDone, outcomeOf, pageBytes, threeIndexGeometry, volumeImage } from "../support/faults.js"
import { chapterRecords, openMemoryVolume, recordAt, smallGeometry } from "../support/volumes.js"

describe("lookups in chapters not on the volume", () => {
  for (const geometry of [smallGeometry, threeIndexGeometry]) {
    const label = `${geometry.indexPagesPerChapter} index page(s)`
    it.scoped(`a never-written chapter is None, by lookup and lookupCached (${label})`, () =>
      Effect.gen(function*() {
        const volume = yield* openMemoryVolume(geometry, yield* volumeImage(geometry, 0, 2))
        const { data, name } = recordAt(chapterRecords(geometry, 5), 9)
        assert.strictEqual(yield* outcomeOf(volume.lookup(name, 5), data), "none")
        assert.strictEqual(yield* outcomeOf(lookupCachedUntilDone(volume, name, 5), data), "none")
        assert.strictEqual(yield* outcomeOf(volume.lookup(name, 5 + geometry.chaptersPerVolume), data), "none")
      }))
  }

  it.scoped("a torn chapter (index pages of two writes) is None", () =>
    Effect.gen(function*() {
      const geometry = threeIndexGeometry
      const image = yield* volumeImage(geometry, 0, 9)
      // Chapter 9 (physical 1) keeps its first index page; the others are chapter 1's, as a torn write leaves them.
      const old = yield* volumeImage(geometry, 0, 1)
      for (const k of [1, 2]) {
        const { end, start } = pageBytes(geometry, 1, k)
        image.set(old.subarray(start, end), start)
      }
      const volume = yield* openMemoryVolume(geometry, image)
      const { data, name } = recordAt(chapterRecords(geometry, 9), 40)
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 9), data), "none")
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 1), data), "none")
    }))

  it.scoped("an index page that claims the chapter and is damaged is CorruptData", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const image = yield* volumeImage(geometry, 0, 2)
      const { end } = pageBytes(geometry, 2, 0)
      image[end - 1] = 0 // a guard byte
      const volume = yield* openMemoryVolume(geometry, image)
      const { data, name } = recordAt(chapterRecords(geometry, 2), 9)
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 2), data), "CorruptData")
      // The chapter that would be in that physical chapter next is not there: None.
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 2 + geometry.chaptersPerVolume), data), "none")
    }))
})
