/**
 * The page cache: a fixed number of slots shared by index and record pages,
 * a physical page → slot index, and least-recently-used eviction. Index
 * pages are kept decoded, so a hit costs no decoding. Every method is
 * synchronous: a cache hit never goes through Effect.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { IndexPage } from "./ChapterIndex.js"
import type { Geometry } from "./Geometry.js"
import { InvalidArgument } from "./VolumeError.js"
import { makePageCache } from "./internal/volume/pageCache.js"
import { describeValue } from "./internal/volume/volumeInput.js"

/**
 * The reference numbers slots with 15 bits; a larger cache is refused as it is there.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_SLOTS = 32767

/**
 * Counters of the cache since it was made.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageCacheStats {
  readonly cacheHits: number
  readonly cacheMisses: number
  readonly evictions: number
  readonly cachedPages: number
}

/**
 * The page cache service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Number of slots. */
  readonly capacity: number
  /** The decoded index page cached for a physical page, made most recent; undefined on a miss. */
  readonly indexPage: (physicalPage: number) => IndexPage | undefined
  /** The bytes of a record page cached for a physical page, made most recent; undefined on a miss. */
  readonly recordPage: (physicalPage: number) => Uint8Array | undefined
  /** Caches a decoded index page (replacing any cached copy), evicting the least recently used page if full. */
  readonly installIndexPage: (physicalPage: number, page: IndexPage) => void
  /** Caches a record page's bytes (replacing any cached copy), evicting the least recently used page if full. */
  readonly installRecordPage: (physicalPage: number, bytes: Uint8Array) => void
  /** Drops a physical page from the cache, if it is there. */
  readonly invalidate: (physicalPage: number) => void
  /** The counters so far. */
  readonly stats: () => PageCacheStats
}

/**
 * The page cache service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class PageCache extends Context.Tag("@effect-uds/volume/PageCache")<PageCache, Service>() {}

/**
 * How to size the cache: `cacheChapters` chapters' worth of record pages.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly geometry: Geometry
  readonly cacheChapters?: number
}

/**
 * The number of slots for a geometry and cache size, or an InvalidArgument saying what is allowed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const slotCount = (geometry: Geometry, cacheChapters: number): number | InvalidArgument => {
  // Checked before multiplying: a bigint would throw.
  const slots = Number.isSafeInteger(cacheChapters) ? cacheChapters * geometry.recordPagesPerChapter : Number.NaN
  if (!(Number.isSafeInteger(cacheChapters) && cacheChapters >= 1 && slots <= MAX_SLOTS)) {
    return new InvalidArgument({
      message: `cacheChapters must be an integer from 1 to ${Math.floor(MAX_SLOTS / geometry.recordPagesPerChapter)} ` +
        `(at most ${MAX_SLOTS} cached pages of ${geometry.recordPagesPerChapter} per chapter), got ${describeValue(cacheChapters)}`
    })
  }
  return slots
}

/**
 * Builds a page cache. Fails with InvalidArgument for a cache size out of range.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, InvalidArgument> =>
  Effect.suspend(() => {
    const slots = slotCount(options.geometry, options.cacheChapters ?? 7)
    return typeof slots === "number" ? Effect.succeed(makeUnsafe(options.geometry, slots)) : Effect.fail(slots)
  })

/**
 * Builds a page cache with exactly `slots` slots (1 to MAX_SLOTS; unchecked: see `slotCount`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe: (geometry: Geometry, slots: number) => Service = makePageCache

/**
 * A page cache layer sized by `options`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<PageCache, InvalidArgument> =>
  Layer.effect(PageCache, make(options))
