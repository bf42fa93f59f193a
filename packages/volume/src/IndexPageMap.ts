/**
 * The index page map (spec/index-page-map.md): for every physical chapter and
 * every index page but the last, the highest delta list on that page, so a
 * lookup reads exactly one index page. Saved with the index as "ALBIPM02".
 *
 * @since 0.1.0
 */
import { Context, Effect, type Either, Layer } from "effect"
import type { Geometry } from "./Geometry.js"
import type { CorruptData } from "./VolumeError.js"
import * as internal from "./internal/volume/indexPageMap.js"

/**
 * The map's operations; all synchronous, on a Uint16Array.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Records that index page `indexPage` of `physicalChapter`, now holding
   * `virtualChapter`, ends at `highestList` (stored as u16). The last page's
   * entry is implicit. `lastUpdate` becomes `virtualChapter` when that is
   * newer: learning an older chapter's map never moves it back.
   * Unchecked (a hot path): the caller passes chapters and pages in range.
   */
  readonly update: (virtualChapter: number, physicalChapter: number, indexPage: number, highestList: number) => void
  /** The index page of `physicalChapter` that holds the delta list of `name`. */
  readonly findIndexPage: (name: Uint8Array, physicalChapter: number) => number
  /** The first delta list the map expects on a page. */
  readonly lowestList: (physicalChapter: number, indexPage: number) => number
  /** The last delta list the map expects on a page. */
  readonly highestList: (physicalChapter: number, indexPage: number) => number
  /** Both bounds of a page (allocates; use lowestList/highestList on hot paths). */
  readonly bounds: (physicalChapter: number, indexPage: number) => { readonly lowest: number; readonly highest: number }
  /** The newest virtual chapter any update was for (never goes backwards). */
  readonly lastUpdate: () => number
  /** The map in the reference's save format. */
  readonly save: () => Uint8Array
  /** Replaces the map with a saved one; bad magic or too few bytes is `CorruptData`. */
  readonly load: (bytes: Uint8Array) => Effect.Effect<void, CorruptData>
}

/**
 * The index page map of a volume.
 *
 * @since 0.1.0
 * @category tags
 */
export class IndexPageMap extends Context.Tag("@effect-uds/volume/IndexPageMap")<IndexPageMap, Service>() {}

/**
 * The map's contents: the last update and one u16 per (physical chapter, index page but the last).
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly lastUpdate: number
  readonly entries: Uint16Array
}

/**
 * Entries per chapter: index pages per chapter minus the implicit last one.
 *
 * @since 0.1.0
 * @category utils
 */
export const entriesPerChapter: (geometry: Geometry) => number = internal.entriesPerChapter

/**
 * Bytes of the saved map: magic, last update, and the entries.
 *
 * @since 0.1.0
 * @category utils
 */
export const savedSize: (geometry: Geometry) => number = internal.savedSize

/**
 * The map in the reference's save format (little-endian, no padding).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode: (geometry: Geometry, state: State) => Uint8Array = internal.encode

/**
 * Reads a saved map: the first `savedSize` bytes (a save region's padding
 * after them is ignored). Fails with `CorruptData` for a wrong magic, too few
 * bytes (or bytes that are not a Uint8Array), or a last update beyond
 * Number.MAX_SAFE_INTEGER.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode: (geometry: Geometry, bytes: Uint8Array) => Either.Either<State, CorruptData> =
  internal.decode

/**
 * A new map for `geometry`: every entry 0, last update 0, as a created index starts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (geometry: Geometry): Effect.Effect<Service> => Effect.sync(() => makeSync(geometry))

/**
 * The map as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (geometry: Geometry): Layer.Layer<IndexPageMap> => Layer.effect(IndexPageMap, make(geometry))

/**
 * A new map, built synchronously.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSync: (geometry: Geometry) => Service = internal.makeSync
