/**
 * The whole UDS deduplication index (API-index.md): a name → data map with
 * a bounded dedup window, over a volume on a block device, saved and loaded
 * in the reference's layout and rebuilt from the volume after a crash.
 *
 * Requests may come from any number of fibers at once. Each goes to the
 * zone fiber that owns its name (the volume index's zone function) and is
 * answered there; a caller interrupted while waiting only stops waiting,
 * the zone finishes the request. Closing the layer's scope drains every
 * request, waits for the chapter writer and saves.
 *
 * @since 0.1.0
 */
import type { BlockDevice } from "@effect-uds/volume"
import { describeValue } from "@effect-uds/volume/internal/volume/volumeInput"
import type { Option, Scope } from "effect"
import { Context, Effect, Layer } from "effect"
import type { IndexConfig } from "./IndexConfig.js"
import { type IndexError, InvalidArgument } from "./IndexError.js"
import { makeIndex } from "./internal/index/session.js"
import { NONCE_INFO_BYTES } from "./internal/layout/superBlock.js"

/**
 * Where a request found its name: the zone's open chapter, a dense or a
 * sparse closed chapter (the writing chapter counts as dense), or nowhere.
 *
 * @since 0.1.0
 * @category models
 */
export type Location = "openChapter" | "dense" | "sparse" | "unavailable"

/**
 * A request's answer. `oldData` is the data stored with the name, `Some`
 * only when `found`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly found: boolean
  readonly oldData: Option.Option<Uint8Array>
  readonly location: Location
}

/**
 * The index's statistics (index.md §13). Request counters count successful
 * requests of this open only; the others come from the live volume index.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  /** Entries in the volume index (hints and collision entries). */
  readonly entriesIndexed: number
  /** Bytes of the volume index and the chapter writer's buffers (open chapters not counted). */
  readonly memoryUsed: number
  /** Collision entries in the volume index. */
  readonly collisions: number
  /** Entries removed from the volume index since it was made or loaded (deletes, expiry). */
  readonly entriesDiscarded: number
  readonly postsFound: number
  readonly postsNotFound: number
  /** POSTs found in the open chapter. */
  readonly inMemoryPostsFound: number
  /** POSTs found in a dense closed chapter (the writing chapter included). */
  readonly densePostsFound: number
  readonly sparsePostsFound: number
  readonly updatesFound: number
  readonly updatesNotFound: number
  readonly deletionsFound: number
  readonly deletionsNotFound: number
  /** QUERY and QUERY_NO_UPDATE requests by found. */
  readonly queriesFound: number
  readonly queriesNotFound: number
  /** Every successfully completed request. */
  readonly requests: number
}

/**
 * How an open went: a fresh index, a clean save loaded, or rebuilt from the
 * volume.
 *
 * @since 0.1.0
 * @category models
 */
export type Opened = "created" | "loaded" | "rebuilt"

/**
 * How to open: `create` writes a fresh layout; `load` loads the newest valid
 * save, or rebuilds from the volume when none loads; `loadNoRebuild` fails
 * with `NeedsRebuild` instead of rebuilding.
 *
 * @since 0.1.0
 * @category models
 */
export type OpenMode = "create" | "load" | "loadNoRebuild"

/**
 * A rebuild's progress: chapters replayed so far of all those on the volume.
 *
 * @since 0.1.0
 * @category models
 */
export interface RebuildProgress {
  readonly done: number
  readonly total: number
}

/**
 * Options of `layer` and `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly open: OpenMode
  /**
   * Create only: the 32 bytes of super-block nonce info (default: creation
   * time + random, as the reference). Given, a created index is
   * reproducible byte for byte.
   */
  readonly nonceInfo?: Uint8Array
  /** Called before each chapter a rebuild replays and once at its end (done = total). */
  readonly onRebuildProgress?: (progress: RebuildProgress) => void
}

/**
 * The index service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly config: IndexConfig
  /** How this open went. */
  readonly opened: Opened
  /** Looks the name up; when not found, stores it with `data`. A found name keeps its old data and moves to the open chapter. */
  readonly post: (name: Uint8Array, data: Uint8Array) => Effect.Effect<Result, IndexError>
  /** Like `post`, but a found name takes the new data. */
  readonly update: (name: Uint8Array, data: Uint8Array) => Effect.Effect<Result, IndexError>
  /** Looks the name up; a found name moves to the open chapter with its data. */
  readonly query: (name: Uint8Array) => Effect.Effect<Result, IndexError>
  /** Looks the name up and changes nothing. */
  readonly queryNoUpdate: (name: Uint8Array) => Effect.Effect<Result, IndexError>
  /** Forgets the name: its volume index entry goes; a closed chapter's record stays on the volume (index.md §2.3). */
  readonly delete: (name: Uint8Array) => Effect.Effect<Result, IndexError>
  /** Waits until every request launched before it is done and every closed chapter is on the device. */
  readonly flush: Effect.Effect<void, IndexError>
  /** Saves now (as a clean close would), and goes on serving. */
  readonly save: Effect.Effect<void, IndexError>
  /** The oldest and newest (open) virtual chapters. */
  readonly chapters: Effect.Effect<{ readonly oldest: number; readonly newest: number }>
  readonly stats: Effect.Effect<Stats>
}

/**
 * The index service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class Index extends Context.Tag("@effect-uds/index/Index")<Index, Service>() {}

/**
 * Opens an index on the BlockDevice in context, for the life of the scope:
 * closing it drains the requests in flight, waits for the chapter writer and
 * saves when anything changed (a failed save leaves the previous one valid).
 * A config or options of the wrong shape fail with `InvalidArgument`.
 *
 * The device must stay open as long as the index: provide its layer around
 * the whole scope (`Effect.scoped(program).pipe(Effect.provide(device))`), or
 * use {@link layer}. `make(config, options).pipe(Effect.provide(device))`
 * closes the device as soon as `make` returns, and every later read or write
 * of the index fails.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: IndexConfig,
  options: Options
): Effect.Effect<Service, IndexError, BlockDevice.BlockDevice | Scope.Scope> => {
  const problem = openProblem(config, options)
  return problem === undefined ? makeIndex(config, options) : Effect.fail(new InvalidArgument({ message: problem }))
}

// The options' shapes, checked before anything is read from them (the open mode and the
// configuration's fields are checked where they are used).
const openProblem = (config: unknown, options: unknown): string | undefined => {
  if (typeof config !== "object" || config === null) {
    return `the index config must be an IndexConfig made by IndexConfig.make, got ${describeValue(config)}`
  }
  if (typeof options !== "object" || options === null) {
    return `the index options must be an object with open: "create", "load" or "loadNoRebuild", got ${describeValue(options)}`
  }
  const { nonceInfo, onRebuildProgress } = options as { readonly nonceInfo?: unknown; readonly onRebuildProgress?: unknown }
  if (nonceInfo !== undefined && !(nonceInfo instanceof Uint8Array && nonceInfo.length === NONCE_INFO_BYTES)) {
    return `nonceInfo must be a Uint8Array of ${NONCE_INFO_BYTES} bytes, got ${describeValue(nonceInfo)}`
  }
  if (onRebuildProgress !== undefined && typeof onRebuildProgress !== "function") {
    return `onRebuildProgress must be a function, got ${describeValue(onRebuildProgress)}`
  }
  return undefined
}

/**
 * The index as a layer over the BlockDevice in context.
 *
 * @example
 * const index = Index.layer(config, { open: "load" }).pipe(
 *   Layer.provide(BlockDevice.layerFile("/var/lib/uds/index", { create: true, size: IndexConfig.indexSize(config) }))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: IndexConfig,
  options: Options
): Layer.Layer<Index, IndexError, BlockDevice.BlockDevice> => Layer.scoped(Index, make(config, options))
