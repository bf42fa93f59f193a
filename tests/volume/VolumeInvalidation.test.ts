// What a chapter write drops from the cache, and when: pages read while a
// write is in flight (a device that holds writes or flushes) must not be
// served after it, nor pages read before it once the device holds the new
// chapter. The rewrite keeps the names and changes the data, as dedup data
// does, so a stale page gives a wrong answer rather than none.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { ChapterIndex, IndexPageMap } from "@effect-uds/volume"
import { makeChapterMaps } from "../../packages/volume/src/internal/volume/chapterMaps.js"
import { lookupCachedUntilDone, openFaultyVolume, outcomeOf } from "../support/faults.js"
import { chapterRecords, multiIndexGeometry, NONCE, openMemoryVolume, recordAt, smallGeometry } from "../support/volumes.js"
import { sameNamesOtherData } from "./rewrites.js"

const geometry = smallGeometry
const first = chapterRecords(geometry, 0)
const rewrite = sameNamesOtherData(first)
const { data: newData, name } = recordAt(rewrite, 500)
const oldData = recordAt(first, 500).data

// A volume holding chapters 0..15, and a fork of the write of chapter 16 (same
// physical chapter) once `hold` has armed a fault that stops it on the device.
const rewriteHeld = (hold: "write" | "flush", failFlush = false) =>
  Effect.gen(function*() {
    const { faults, volume } = yield* openFaultyVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
    yield* volume.writeChapter(0, first)
    // In order up to 15: 16 is then the next chapter, and chapter 0 stays cached.
    for (let chapter = 1; chapter < geometry.chaptersPerVolume; chapter++) {
      yield* volume.writeChapter(chapter, chapterRecords(geometry, chapter))
    }
    yield* faults.hang({ operation: hold })
    if (failFlush) yield* faults.fail({ operation: "flush", times: 1 })
    const writer = yield* Effect.fork(volume.writeChapter(16, rewrite))
    while ((yield* faults.hanging) === 0) yield* Effect.yieldNow()
    return { faults, volume, writer }
  })

describe("Volume invalidation around chapter writes", () => {
  it.scoped("once the new chapter is on the device, the old chapter's cached index page is not used", () =>
    Effect.gen(function*() {
      // The write has landed; only its flush is held.
      const { faults, volume, writer } = yield* rewriteHeld("flush")
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 0), oldData), "none")
      yield* faults.release
      yield* Fiber.join(writer)
    }))

  it.scoped("pages read while the write was in flight are not served after it", () =>
    Effect.gen(function*() {
      const { faults, volume, writer } = yield* rewriteHeld("write")
      // Before the write lands the device still holds chapter 0: read (and cache) its pages.
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 0), oldData), "found")
      yield* faults.release
      yield* Fiber.join(writer)
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 16), newData), "found")
    }))

  it.scoped("pages read while a write that then failed was in flight are not served after it", () =>
    Effect.gen(function*() {
      const { faults, volume, writer } = yield* rewriteHeld("write", true)
      yield* volume.getPage(0, 0)
      yield* faults.release
      const exit = yield* Fiber.await(writer)
      assert.isTrue(Exit.isFailure(exit))
      // The write landed, the flush failed: the device holds chapter 16.
      assert.strictEqual(yield* outcomeOf(volume.lookup(name, 0), oldData), "none")
    }))

  it.scoped("lookupCached does not use pages it read before its chapter was forgotten and rewritten", () =>
    Effect.gen(function*() {
      const volume = yield* openMemoryVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      yield* volume.writeChapter(0, first)
      yield* volume.forgetChapter(0)
      // Index page, then record page: both read for this fiber's request and held.
      for (let wait = 0; wait < 2; wait++) {
        const queued = yield* Effect.flip(volume.lookupCached(name, 0))
        if (queued._tag !== "Queued") return assert.fail(`expected Queued, got ${queued._tag}`)
        yield* queued.ready
      }
      yield* volume.forgetChapter(0)
      yield* volume.writeChapter(16, rewrite)
      assert.strictEqual(yield* outcomeOf(lookupCachedUntilDone(volume, name, 0), oldData), "none")
      assert.strictEqual(yield* outcomeOf(lookupCachedUntilDone(volume, name, 16), newData), "found")
    }))

  it("a chapter's map is not learned from pages read before the chapter was invalidated", () => {
    const g = multiIndexGeometry
    const pageMap = IndexPageMap.makeSync(g)
    const maps = makeChapterMaps(g, pageMap)
    const records = chapterRecords(g, 0)
    const pages = ChapterIndex.packChapter(g, NONCE, 0, records, g.recordsPerChapter).decoded
    const before = maps.generation(0)
    maps.invalidate(0)
    maps.rewriting(0)
    maps.learn(0, pages, before)
    assert.isFalse(maps.isKnown(0))
    maps.learn(0, pages, maps.generation(0))
    assert.isTrue(maps.isKnown(0))
  })
})

describe("Volume pages", () => {
  it.scoped("getPage gives every page of a chapter as the device holds it, the last record page too", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const volume = yield* openMemoryVolume(geometry, bytes)
      for (let chapter = 0; chapter < 3; chapter++) yield* volume.writeChapter(chapter, chapterRecords(geometry, chapter))
      for (const warm of [false, true]) {
        for (let chapter = 0; chapter < 3; chapter++) {
          if (!warm) yield* volume.forgetChapter(chapter)
          for (let page = 0; page < geometry.pagesPerChapter; page++) {
            const start = (1 + chapter * geometry.pagesPerChapter + page) * geometry.bytesPerPage
            const got = yield* volume.getPage(chapter, page)
            assert.isTrue(
              Buffer.from(got).equals(bytes.subarray(start, start + geometry.bytesPerPage)),
              `page ${page} of chapter ${chapter} (${warm ? "cached" : "read"})`
            )
          }
        }
      }
    }))

  it.scopedLive("prefetchChapter reads a chapter's pages, so its lookups then read nothing", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const volume = yield* openMemoryVolume(geometry, bytes)
      yield* volume.writeChapter(0, first)
      yield* volume.forgetChapter(0)
      const before = yield* volume.stats
      yield* volume.prefetchChapter(0)
      const queued = (yield* volume.stats).readsQueued - before.readsQueued
      assert.strictEqual(queued, geometry.pagesPerChapter)
      // Generous: the readers need a few turns of the event loop.
      for (let turn = 0; turn < 1000 && (yield* volume.stats).pagesRead < before.pagesRead + queued; turn++) {
        yield* Effect.sleep("1 millis")
      }
      const read = (yield* volume.stats).pagesRead
      for (let page = 0; page < geometry.recordPagesPerChapter; page++) {
        const { data, name: at } = recordAt(first, page * geometry.recordsPerPage + 3)
        assert.strictEqual(yield* outcomeOf(volume.lookup(at, 0), data), "found")
      }
      assert.strictEqual((yield* volume.stats).pagesRead, read)
      // Out of range is only a hint: ignored.
      yield* volume.prefetchChapter(geometry.chaptersPerVolume)
    }))
})
