// writeChapter's order rule (issue 14, item 5): chapters are written in
// order, and only forgetting lets a caller write out of turn, so a mistake
// cannot destroy the chapters on the volume.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Volume } from "@effect-uds/volume"

const Volume_ = Volume.Volume
import { chapterRecords, openMemoryVolume, recordAt, smallGeometry, writeChapters } from "../support/volumes.js"

const geometry = smallGeometry

const refused = (volume: Volume.Service, chapter: number) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(volume.writeChapter(chapter, chapterRecords(geometry, chapter)))
    assert.strictEqual(error._tag, "InvalidArgument")
    return error.message
  })

const found = (volume: Volume.Service, chapter: number) =>
  Effect.map(volume.lookup(recordAt(chapterRecords(geometry, chapter), 100).name, chapter), Option.isSome)

describe("writeChapter order", () => {
  it.scoped("after 0..20, writing 4 is refused and chapter 20 survives", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const volume = yield* openMemoryVolume(geometry, bytes)
      yield* writeChapters(geometry, 0, 20).pipe(Effect.provideService(Volume_, volume))
      const message = yield* refused(volume, 4)
      assert.include(message, "newest is 20, so the next is 21")
      assert.isTrue(yield* found(volume, 20))
      assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 5, highest: 20, isEmpty: false })
    }))

  it.scoped("going back, the same chapter twice, and skipping ahead onto a chapter not forgotten are refused", () =>
    Effect.gen(function*() {
      const volume = yield* openMemoryVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      yield* volume.writeChapter(5, chapterRecords(geometry, 5))
      yield* refused(volume, 3)
      yield* refused(volume, 5)
      yield* refused(volume, 7)
      yield* volume.writeChapter(6, chapterRecords(geometry, 6))
      assert.isTrue(yield* found(volume, 5))
      assert.isTrue(yield* found(volume, 6))
    }))

  it.scoped("forgetting lets a caller write out of turn: a later chapter over a forgotten one, or the newest again", () =>
    Effect.gen(function*() {
      const volume = yield* openMemoryVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      yield* writeChapters(geometry, 0, 3).pipe(Effect.provideService(Volume_, volume))
      // Chapter 17 goes in physical chapter 1, which holds chapter 1: forget it first.
      yield* refused(volume, 17)
      yield* volume.forgetChapter(1)
      yield* volume.writeChapter(17, chapterRecords(geometry, 17))
      // Rewriting the newest: forget it, then it is the next again.
      yield* refused(volume, 17)
      yield* volume.forgetChapter(17)
      yield* volume.writeChapter(17, chapterRecords(geometry, 17))
      assert.isTrue(yield* found(volume, 17))
    }))

  it.scoped("a freshly opened volume takes any chapter; after a boundary search, the next one", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      yield* Effect.scoped(Effect.gen(function*() {
        const volume = yield* openMemoryVolume(geometry, bytes)
        yield* writeChapters(geometry, 0, 9).pipe(Effect.provideService(Volume_, volume))
      }))
      const reopened = yield* openMemoryVolume(geometry, bytes)
      assert.deepStrictEqual(yield* reopened.findChapterBoundaries, { lowest: 0, highest: 9, isEmpty: false })
      assert.include(yield* refused(reopened, 2), "the next is 10")
      yield* reopened.writeChapter(10, chapterRecords(geometry, 10))
      const fresh = yield* openMemoryVolume(geometry, bytes)
      yield* fresh.writeChapter(11, chapterRecords(geometry, 11))
      assert.isTrue(yield* found(fresh, 11))
    }))
})
