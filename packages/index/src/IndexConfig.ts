/**
 * The configuration of a whole index (API-index.md): the memory-size preset
 * that fixes its geometry, dense or sparse, reduced or not, its zones and
 * read threads, the owner's nonce stored in the configuration record, and
 * where on the device the index starts.
 *
 * @since 0.1.0
 */
import { Geometry } from "@effect-uds/volume"
import { describeValue } from "@effect-uds/volume/internal/volume/volumeInput"
import { Data, Effect } from "effect"
import { layoutSizes } from "./internal/layout/sizes.js"
import * as Sizing from "./internal/volumeIndex/sizing.js"
import { InvalidArgument } from "./IndexError.js"

/**
 * What `make` accepts; every field but `memorySize` has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** "tiny" (the reference's test geometry), 0.25, 0.5, 0.75, or 1..1024 (GB). */
  readonly memorySize: Geometry.MemorySize
  /** Default false. */
  readonly sparse?: boolean
  /** Default false: one chapter fewer, as after an LVM conversion. */
  readonly reduced?: boolean
  /** 1..16, default 1. */
  readonly zones?: number
  /** 1..16, default 2. */
  readonly readThreads?: number
  /** The owner's nonce stored in the configuration record (a u64), default 0n. */
  readonly nonce?: bigint
  /** Byte offset of the index on its device, a multiple of 4096, default 0. */
  readonly offset?: number
}

/**
 * A checked configuration: every option with its default applied, the
 * geometry it chooses, and the configuration record's fixed values.
 *
 * @since 0.1.0
 * @category models
 */
export interface IndexConfig {
  readonly memorySize: Geometry.MemorySize
  readonly sparse: boolean
  readonly reduced: boolean
  readonly zones: number
  readonly readThreads: number
  readonly nonce: bigint
  readonly offset: number
  readonly geometry: Geometry.Geometry
  /** The page cache's size in chapters, as the reference stores it: always 7. */
  readonly cacheChapters: number
  /** The volume index's mean delta, as stored: always 4096. */
  readonly volumeIndexMeanDelta: number
  /** 32 for a sparse index, 0 for a dense one. */
  readonly sparseSampleRate: number
}

/**
 * The most zones (and read threads) an index may have.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ZONES = 16

/**
 * The device alignment `offset` must keep.
 *
 * @since 0.1.0
 * @category constants
 */
export const BLOCK_SIZE = 4096

const MAX_U64 = (1n << 64n) - 1n

const invalid = (message: string) => Effect.fail(new InvalidArgument({ message }))

const isMemorySize = (value: unknown): value is Geometry.MemorySize =>
  value === "tiny" || value === 0.25 || value === 0.5 || value === 0.75 ||
  (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1024)

const checkCount = (name: string, value: unknown) =>
  Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ZONES
    ? undefined
    : `IndexConfig.${name} must be an integer from 1 to ${MAX_ZONES}, got ${describeValue(value)}`

const checkBoolean = (name: string, value: unknown) =>
  typeof value === "boolean" ? undefined : `IndexConfig.${name} must be true or false, got ${describeValue(value)}`

/**
 * Checks the options and applies the defaults. Fails with `InvalidArgument`
 * naming the field, what it was and what is allowed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<IndexConfig, InvalidArgument> => {
  if (typeof options !== "object" || options === null) {
    return invalid(`IndexConfig options must be an object with at least a memorySize, got ${describeValue(options)}`)
  }
  const { memorySize } = options
  const sparse = options.sparse ?? false
  const reduced = options.reduced ?? false
  const zones = options.zones ?? 1
  const readThreads = options.readThreads ?? 2
  const nonce = options.nonce ?? 0n
  const offset = options.offset ?? 0
  if (!isMemorySize(memorySize)) {
    return invalid(
      `IndexConfig.memorySize must be "tiny", 0.25, 0.5, 0.75 or a whole number of GB from 1 to 1024, ` +
        `got ${describeValue(memorySize)}`
    )
  }
  const fieldError = checkBoolean("sparse", sparse) ?? checkBoolean("reduced", reduced) ??
    checkCount("zones", zones) ?? checkCount("readThreads", readThreads)
  if (fieldError !== undefined) return invalid(fieldError)
  if (memorySize === "tiny" && reduced) {
    return invalid(`IndexConfig.reduced must be false for memorySize "tiny": the reference has no reduced tiny geometry`)
  }
  if (typeof nonce !== "bigint" || nonce < 0n || nonce > MAX_U64) {
    return invalid(`IndexConfig.nonce must be a bigint from 0n to 2^64 - 1, got ${describeValue(nonce)}`)
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % BLOCK_SIZE !== 0) {
    return invalid(`IndexConfig.offset must be a non-negative multiple of ${BLOCK_SIZE} bytes, got ${describeValue(offset)}`)
  }
  return Geometry.fromMemorySize(memorySize, { sparse, reduced }).pipe(
    Effect.mapError((error) => new InvalidArgument({ message: `IndexConfig: ${error.message}` })),
    Effect.flatMap((geometry) => {
      const sizes = layoutSizes(geometry)
      if (!sizes.ok) return invalid(`IndexConfig: the volume index cannot be sized: ${sizes.message}`)
      const zoned = Sizing.size(geometry, zones)
      if (!zoned.ok) return invalid(`IndexConfig.zones: ${zoned.message}`)
      const end = offset + sizes.value.totalBlocks * BLOCK_SIZE
      if (!Number.isSafeInteger(end)) {
        return invalid(`IndexConfig.offset ${offset} puts the index's end past 2^53 bytes; use a smaller offset`)
      }
      return Effect.succeed(Data.struct({
        memorySize,
        sparse,
        reduced,
        zones,
        readThreads,
        nonce,
        offset,
        geometry,
        cacheChapters: 7,
        volumeIndexMeanDelta: 4096,
        sparseSampleRate: sparse ? 32 : 0
      }))
    })
  )
}

// The geometry fields the layout's sizes are computed from, and whether each may be 0.
const SIZED_FIELDS: ReadonlyArray<readonly [keyof Geometry.Geometry, number]> = [
  ["bytesPerVolume", 1],
  ["recordsPerChapter", 1],
  ["chaptersPerVolume", 1],
  ["indexPagesPerChapter", 1],
  ["denseChaptersPerVolume", 0],
  ["sparseChaptersPerVolume", 0]
]

/** Why `config` has no geometry the layout can be sized from, or undefined. */
const geometryProblem = (config: unknown): string | undefined => {
  if (typeof config !== "object" || config === null) return `got ${describeValue(config)}`
  const geometry: unknown = (config as { readonly geometry?: unknown }).geometry
  if (typeof geometry !== "object" || geometry === null) return `its geometry is ${describeValue(geometry)}`
  for (const [field, least] of SIZED_FIELDS) {
    const value: unknown = (geometry as { readonly [key: string]: unknown })[field]
    if (!Number.isSafeInteger(value) || (value as number) < least) {
      return `its geometry.${field} must be an integer of at least ${least}, got ${describeValue(value)}`
    }
  }
  return undefined
}

/**
 * Bytes the index occupies from `offset` on: super block, configuration,
 * volume, both save slots and the seal, as the reference's
 * uds_compute_index_size computes them (layout.md §2.2). A configuration
 * not made by `make` whose geometry cannot be sized throws `InvalidArgument`
 * (a caller's bug: the signature carries no error).
 *
 * @since 0.1.0
 * @category sizing
 */
export const indexSize = (config: IndexConfig): number => {
  // make refuses a geometry without sizes; any other config is a caller's bug, told as InvalidArgument.
  const problem = geometryProblem(config)
  const sizes = problem === undefined ? layoutSizes(config.geometry) : { ok: false as const, message: problem }
  if (!sizes.ok) {
    throw new InvalidArgument({ message: `IndexConfig.indexSize needs a configuration made by IndexConfig.make: ${sizes.message}` })
  }
  return sizes.value.totalBlocks * BLOCK_SIZE
}
