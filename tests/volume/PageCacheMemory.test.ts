import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Geometry, PageCache } from "@effect-uds/volume"

describe("PageCache memory", () => {
  it.effect("its page → slot table takes two bytes per volume page (slots fit in 16 bits)", () =>
    Effect.gen(function*() {
      // About 8 million volume pages: a 4-byte table would be 32 MB, a 2-byte one 16 MB.
      const geometry = yield* Geometry.make({ bytesPerPage: 32, recordPagesPerChapter: 8, chaptersPerVolume: 900_000 })
      const pages = geometry.pagesPerVolume + geometry.headerPagesPerVolume
      const before = process.memoryUsage().arrayBuffers
      const cache = yield* PageCache.make({ geometry, cacheChapters: 1 })
      const grown = process.memoryUsage().arrayBuffers - before
      assert.isBelow(grown / pages, 2.5, `${grown} bytes for ${pages} pages`)
      // The table still tells every page apart, up to the last one, and slot numbers up to MAX_SLOTS.
      const last = pages - 1
      cache.installRecordPage(last, new Uint8Array([1]))
      cache.installRecordPage(1, new Uint8Array([2]))
      assert.deepStrictEqual(cache.recordPage(last), new Uint8Array([1]))
      assert.deepStrictEqual(cache.recordPage(1), new Uint8Array([2]))
      assert.isUndefined(cache.recordPage(2))
    }))

  it.effect("a cache of MAX_SLOTS slots serves a page in every slot and evicts in order", () =>
    Effect.gen(function*() {
      const geometry = yield* Geometry.make({ bytesPerPage: 512, recordPagesPerChapter: 32767, chaptersPerVolume: 2 })
      const cache = yield* PageCache.make({ geometry, cacheChapters: 1 })
      assert.strictEqual(cache.capacity, PageCache.MAX_SLOTS)
      const page = new Uint8Array(1)
      for (let p = 0; p < PageCache.MAX_SLOTS; p++) cache.installRecordPage(1000 + p, page)
      assert.strictEqual(cache.stats().cachedPages, PageCache.MAX_SLOTS)
      for (let p = 0; p < PageCache.MAX_SLOTS; p += 997) assert.strictEqual(cache.recordPage(1000 + p), page, `page ${p}`)
      // One more page evicts the least recently used one: page 1001 (1000 was just read).
      cache.installRecordPage(999, page)
      assert.isUndefined(cache.recordPage(1001))
      assert.strictEqual(cache.recordPage(1000), page)
      assert.strictEqual(cache.stats().evictions, 1)
    }))
})
