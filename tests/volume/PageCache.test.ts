import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { ChapterIndex, PageCache } from "@effect-uds/volume"
import { chapterRecords, NONCE, smallGeometry } from "../support/volumes.js"

const geometry = smallGeometry
const page = (n: number) => new Uint8Array([n])
// A real decoded index page to cache.
const indexPage = Either.getOrThrow(
  ChapterIndex.decodePage(geometry, NONCE, ChapterIndex.pack(geometry, NONCE, 0, chapterRecords(geometry, 0))[0]!)
)

describe("PageCache", () => {
  it("serves what was installed, by kind, and counts hits and misses", () => {
    const cache = PageCache.makeUnsafe(geometry, 4)
    cache.installRecordPage(5, page(5))
    cache.installIndexPage(1, indexPage)
    assert.deepStrictEqual(cache.recordPage(5), page(5))
    assert.strictEqual(cache.indexPage(1), indexPage)
    assert.isUndefined(cache.recordPage(6))
    assert.isUndefined(cache.indexPage(5))
    assert.deepInclude(cache.stats(), { cacheHits: 2, cacheMisses: 2, cachedPages: 2, evictions: 0 })
  })

  it("evicts the least recently used page when full", () => {
    const cache = PageCache.makeUnsafe(geometry, 3)
    for (const n of [2, 3, 4]) cache.installRecordPage(n, page(n))
    cache.recordPage(2) // 3 is now the least recent
    cache.installRecordPage(5, page(5))
    assert.isUndefined(cache.recordPage(3))
    for (const n of [2, 4, 5]) assert.deepStrictEqual(cache.recordPage(n), page(n))
    assert.strictEqual(cache.stats().evictions, 1)
  })

  it("replaces a page installed again in its own slot, without evicting another", () => {
    const cache = PageCache.makeUnsafe(geometry, 2)
    cache.installRecordPage(2, page(2))
    cache.installRecordPage(3, page(3))
    cache.installRecordPage(2, page(22))
    assert.deepStrictEqual(cache.recordPage(2), page(22))
    assert.deepStrictEqual(cache.recordPage(3), page(3))
    assert.deepInclude(cache.stats(), { evictions: 0, cachedPages: 2 })
  })

  it("never serves an invalidated page, and reuses its slot first", () => {
    const cache = PageCache.makeUnsafe(geometry, 2)
    cache.installRecordPage(2, page(2))
    cache.installRecordPage(3, page(3))
    cache.invalidate(3)
    assert.isUndefined(cache.recordPage(3))
    cache.installRecordPage(4, page(4))
    // The freed slot took page 4; page 2 stayed.
    assert.deepStrictEqual(cache.recordPage(2), page(2))
    assert.deepInclude(cache.stats(), { evictions: 0, cachedPages: 2 })
    cache.invalidate(99) // not cached: nothing happens
  })

  it.effect("rejects a cache of more than 32767 slots or under one chapter", () =>
    Effect.gen(function*() {
      const tooLarge = yield* Effect.flip(PageCache.make({ geometry, cacheChapters: 32768 / 8 }))
      assert.include(tooLarge.message, "cacheChapters must be an integer from 1 to 4095")
      const zero = yield* Effect.flip(PageCache.make({ geometry, cacheChapters: 0 }))
      assert.strictEqual(zero._tag, "InvalidArgument")
      const cache = yield* PageCache.make({ geometry })
      assert.strictEqual(cache.capacity, 7 * geometry.recordPagesPerChapter)
    }))
})
