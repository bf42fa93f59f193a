/**
 * Opening a whole index in a file for one command: read-write (created when
 * asked, sized by its configuration), or read-only through an in-memory
 * overlay so that the file is never written.
 *
 * @since 0.1.0
 */
import { Index, IndexConfig, type IndexError } from "@effect-uds/index"
import { BlockDevice, type VolumeError } from "@effect-uds/volume"
import { Effect, Layer } from "effect"
import { UsageError } from "../CliError.js"
import { layerOverlay } from "./overlayDevice.js"
import { readStoredIndex, type StoredIndex, withReadOnlyFile } from "./storedConfig.js"

/** What opening an index can fail with. */
export type OpenError = IndexError.IndexError | VolumeError.IoError | UsageError

// An index on `device` for the life of `use`; bad input about the file becomes a one-line UsageError.
const withIndexOn = <A, E, R>(
  path: string,
  config: IndexConfig.IndexConfig,
  options: Index.Options,
  device: Layer.Layer<BlockDevice.BlockDevice, VolumeError.IoError | VolumeError.InvalidArgument>,
  use: (index: Index.Service) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | OpenError, R> =>
  Effect.scoped(Effect.flatMap(Effect.mapError(Index.make(config, options), asUsage(path)), use)).pipe(
    Effect.provide(Layer.mapError(device, asUsage(path)))
  )

// Bad input about the file (not an index of this configuration, too small, a bad option) as a one-line UsageError.
const asUsage = (path: string) => <E extends { readonly _tag: string; readonly message: string }>(error: E) =>
  BAD_INPUT.has(error._tag) ? new UsageError({ message: `${path}: ${error.message}` }) : error

const BAD_INPUT: ReadonlySet<string> = new Set(["InvalidArgument", "NoIndex", "StorageTooSmall"])

/**
 * Opens the index in `path` for reading and writing: `create` makes a fresh
 * one of `config` (the file is created or extended to its size), `load`
 * opens the one there (rebuilding it if no save loads). Closing saves.
 */
export const withIndexFile = <A, E, R>(
  path: string,
  config: IndexConfig.IndexConfig,
  open: "create" | "load",
  use: (index: Index.Service) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | OpenError, R> =>
  withIndexOn(
    path,
    config,
    { open },
    BlockDevice.layerFile(path, {
      create: open === "create",
      size: config.offset + IndexConfig.indexSize(config),
      syncReads: true,
      syncWrites: true
    }),
    use
  )

/**
 * Opens the index in `path` read-only, with its stored configuration: the
 * file is opened read-only and every write the index makes stays in memory.
 */
export const withIndexReadOnly = <A, E, R>(
  path: string,
  open: "load" | "loadNoRebuild",
  use: (index: Index.Service, stored: StoredIndex) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | OpenError, R> =>
  Effect.gen(function*() {
    const stored = yield* withReadOnlyFile(path, (fd, size) => readStoredIndex(path, fd, size))
    const device = layerOverlay.pipe(
      Layer.provide(
        BlockDevice.layerFile(path, { readOnly: true, size: IndexConfig.indexSize(stored.config), syncReads: true })
      )
    )
    return yield* withIndexOn(path, stored.config, { open }, device, (index) => use(index, stored))
  })
