/**
 * The volume: chapters on a block device, read through the page cache and
 * the read queue. Writes whole chapters, looks records up (at most one index
 * page and one record page each), and finds the chapter boundaries after a
 * crash.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Layer, type Option, type Scope } from "effect"
import type { BlockDevice } from "./BlockDevice.js"
import type * as ChapterIndex from "./ChapterIndex.js"
import type * as Geometry from "./Geometry.js"
import * as IndexPageMap from "./IndexPageMap.js"
import * as PageCache from "./PageCache.js"
import * as ReadQueue from "./ReadQueue.js"
import type { CorruptData, InvalidArgument, IoError, Queued, VolumeError } from "./VolumeError.js"
import * as internal from "./internal/volume/volume.js"

/**
 * How to open a volume.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly geometry: Geometry.Geometry
  /** The volume nonce stamped into every index page (u64). */
  readonly nonce: bigint
  /** Page cache size in chapters' worth of record pages; default 7. */
  readonly cacheChapters?: number
  /** Reader fibers; default 2. */
  readonly readThreads?: number
}

/**
 * Counters of a volume since it was opened.
 *
 * @since 0.1.0
 * @category models
 */
export interface VolumeStats extends PageCache.PageCacheStats, ReadQueue.ReadQueueStats {
  readonly chaptersWritten: number
}

/**
 * The volume service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly geometry: Geometry.Geometry
  /**
   * Writes virtual chapter `virtualChapter` from up to recordsPerChapter
   * packed 32-byte records (record i goes on record page
   * floor(i / recordsPerPage); a short chapter is padded with copies of its
   * last record, which are not indexed; with `indexed`, one byte per record
   * given, a record whose byte is 0 is on its record page but not in the
   * chapter index, as collation's fill copies are): index pages, then record pages,
   * then a flush.
   *
   * Chapters are written in order, as the index does, so that a caller's
   * mistake cannot destroy chapters: the next chapter is the newest written
   * (or found by `findChapterBoundaries`) + 1. A later one is allowed once
   * the chapter its physical chapter holds was forgotten (`forgetChapter`);
   * an earlier one, or the same one again (say after a failed write), once
   * every chapter from it to the newest was forgotten (forgetting the newest
   * makes the one before it the newest). While the volume knows no chapter
   * (just opened, before any write or boundary search) any chapter may be
   * written. Anything else is `InvalidArgument`, saying what is allowed.
   */
  readonly writeChapter: (
    virtualChapter: number,
    records: Uint8Array,
    indexed?: Uint8Array
  ) => Effect.Effect<void, IoError | InvalidArgument>
  /**
   * The data of `name` in virtual chapter `virtualChapter`; waits for any
   * page reads it needs. A chapter that is not on the volume (never written,
   * torn, or its physical chapter holding another virtual chapter) holds no
   * names: `None`. `CorruptData` is for an index page that claims the chapter
   * (the volume's nonce and the chapter's number in its header) and is damaged.
   */
  readonly lookup: (
    name: Uint8Array,
    virtualChapter: number
  ) => Effect.Effect<Option.Option<Uint8Array>, CorruptData | IoError | InvalidArgument>
  /**
   * Like `lookup` but never waits for I/O: fails with `Queued` after queueing
   * the read it needs; retry once `Queued.ready` completes. If that read
   * failed, the retry in the fiber that awaited `ready` fails with its error
   * (`IoError` or `CorruptData`); a later request reads the page again.
   */
  readonly lookupCached: (
    name: Uint8Array,
    virtualChapter: number
  ) => Effect.Effect<Option.Option<Uint8Array>, Queued | CorruptData | IoError | InvalidArgument>
  /** Whether `name` is stored in virtual chapter `virtualChapter` (used while rebuilding an index). */
  readonly lookupForRebuild: (
    name: Uint8Array,
    virtualChapter: number
  ) => Effect.Effect<boolean, CorruptData | IoError | InvalidArgument>
  /**
   * A copy of one page of a physical chapter: index pages are
   * 0 .. indexPagesPerChapter − 1, record pages follow. An index page that
   * does not decode is `CorruptData`.
   */
  readonly getPage: (
    physicalChapter: number,
    pageInChapter: number
  ) => Effect.Effect<Uint8Array, CorruptData | IoError | InvalidArgument>
  /**
   * The decoded index pages of virtual chapter `virtualChapter`;
   * `CorruptData` when its physical chapter holds another chapter or its
   * pages disagree.
   */
  readonly readChapterIndex: (
    virtualChapter: number
  ) => Effect.Effect<ReadonlyArray<ChapterIndex.IndexPage>, CorruptData | IoError | InvalidArgument>
  /** Drops every cached or queued page of the chapter's physical chapter, so none is served again. */
  readonly forgetChapter: (virtualChapter: number) => Effect.Effect<void>
  /** Queues reads of every page of a physical chapter not yet cached (a hint: out-of-range chapters are ignored). */
  readonly prefetchChapter: (physicalChapter: number) => Effect.Effect<void>
  /** The oldest and newest virtual chapters on the volume, found by probing chapter index pages. */
  readonly findChapterBoundaries: Effect.Effect<
    { readonly lowest: number; readonly highest: number; readonly isEmpty: boolean },
    CorruptData | IoError
  >
  /** The counters so far. */
  readonly stats: Effect.Effect<VolumeStats>
}

/**
 * The volume service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class Volume extends Context.Tag("@effect-uds/volume/Volume")<Volume, Service>() {}

/**
 * Builds a volume over the BlockDevice, PageCache, ReadQueue and
 * IndexPageMap in context. The device must hold at least
 * `geometry.bytesPerVolume` bytes; the volume opens over whatever it holds
 * (zeros are an empty volume) and never formats it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options: Options
) => Effect.Effect<
  Service,
  InvalidArgument,
  BlockDevice | PageCache.PageCache | ReadQueue.ReadQueue | IndexPageMap.IndexPageMap | Scope.Scope
> = internal.make

/**
 * A volume layer over the BlockDevice in context, with its own page cache,
 * read queue (and reader fibers) and index page map. Closing the layer's
 * scope stops the readers and interrupts every lookup still waiting.
 *
 * @example
 * const volume = Volume.layer({ geometry, nonce: 42n }).pipe(
 *   Layer.provide(BlockDevice.layerFile("volume.bin", { create: true, size: geometry.bytesPerVolume }))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Volume, VolumeError, BlockDevice> => {
  const cache = PageCache.layer({ geometry: options.geometry, ...optional("cacheChapters", options.cacheChapters) })
  const queue = ReadQueue.layer({
    geometry: options.geometry,
    nonce: options.nonce,
    ...optional("readThreads", options.readThreads)
  })
  return Layer.scoped(Volume, make(options)).pipe(
    Layer.provide(Layer.provideMerge(queue, cache)),
    Layer.provide(IndexPageMap.layer(options.geometry))
  )
}

// Spreads { key: value } only when value is defined (exactOptionalPropertyTypes).
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
