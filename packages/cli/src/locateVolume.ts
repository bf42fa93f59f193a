/**
 * FILE → the volume in it: a complete UDS index (super block at byte 0), a
 * volume with a description file beside it (made by `demo`), or a raw volume
 * region described by flags. Flags override whatever was found. Every file is
 * opened read-only here.
 *
 * @since 0.1.0
 */
import { BlockDevice, Geometry, IndexLayout, PageCache, Volume, type VolumeError } from "@effect-uds/volume"
import { Effect, Either, Layer, Option } from "effect"
import * as fs from "node:fs"
import { UsageError } from "./CliError.js"
import * as Description from "./description.js"
import type { VolumeFlags } from "./volumeFlags.js"

/** Where the description of a located volume came from. */
export type Source = "index" | "description" | "flags"

/** A volume found in a file, ready to be opened with `withVolume`. */
export interface LocatedVolume {
  readonly path: string
  readonly source: Source
  readonly geometry: Geometry.Geometry
  readonly nonce: bigint
  /** The byte of the file where the volume region (its header page) starts. */
  readonly volumeOffset: number
  /** A read-only device over exactly the volume region. */
  readonly device: Layer.Layer<BlockDevice.BlockDevice, VolumeError.IoError | VolumeError.InvalidArgument>
}

// What a super block or description file says, before flags override it.
interface Found {
  readonly source: Source
  readonly geometry: Geometry.Options
  readonly nonce: bigint
  readonly offset: number
}

const NONCE_LIMIT = 1n << 64n

const usage = (message: string) => new UsageError({ message })

/** Parses a u64 nonce written in decimal or 0x-hex. */
export const parseNonce = (text: string): Either.Either<bigint, UsageError> => {
  const trimmed = text.trim()
  const value = /^(0x[0-9a-f]{1,16}|[0-9]{1,20})$/i.test(trimmed) ? BigInt(trimmed) : undefined
  return value !== undefined && value < NONCE_LIMIT
    ? Either.right(value)
    : Either.left(usage(`--nonce must be an integer from 0 to 2^64 - 1 (decimal or 0x-hex), got "${text}"`))
}

// The size of a regular file, or a UsageError saying why it cannot be a volume.
const fileSize = (path: string): Effect.Effect<number, UsageError> =>
  Effect.try({
    try: () => fs.statSync(path),
    catch: (cause) => {
      const code = (cause as NodeJS.ErrnoException).code
      return usage(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read it (${code ?? String(cause)})`)
    }
  }).pipe(
    Effect.filterOrFail((stats) => stats.isFile(), () => usage(`${path}: not a regular file, so not a volume`)),
    Effect.map((stats) => stats.size)
  )

// The first bytes of the file, enough for a super block and configuration.
const readHeader = (path: string): Effect.Effect<Uint8Array, UsageError> =>
  Effect.try({
    try: () => {
      const fd = fs.openSync(path, "r")
      try {
        const bytes = new Uint8Array(IndexLayout.HEADER_BYTES)
        return bytes.subarray(0, fs.readSync(fd, bytes, 0, bytes.length, 0))
      } finally {
        fs.closeSync(fd)
      }
    },
    catch: (cause) => usage(`${path}: cannot read it (${(cause as Error).message})`)
  })

// The super block's description, the description file's, or none; a broken
// index is an error unless the flags describe the volume in full.
const findDescription = (path: string, complete: boolean): Effect.Effect<Found | undefined, UsageError> =>
  Effect.gen(function*() {
    const parsed = IndexLayout.parse(yield* readHeader(path))
    if (Either.isRight(parsed)) {
      const layout = parsed.right
      return { source: "index", geometry: layout.geometry, nonce: layout.volumeNonce, offset: layout.volumeOffset }
    }
    if (!parsed.left.message.startsWith("not a UDS index") && !complete) {
      return yield* usage(`${path}: ${parsed.left.message}`)
    }
    const description = yield* Description.read(path)
    if (description === undefined) return undefined
    const nonce = yield* Either.mapLeft(
      parseNonce(description.nonce),
      () => usage(`${Description.pathOf(path)}: nonce ${description.nonce} is not below 2^64`)
    )
    return { source: "description", geometry: description.geometry, nonce, offset: description.offset }
  })

// The entries of `record` that are not undefined (exactOptionalPropertyTypes forbids explicit undefined).
const definedOnly = <T extends object>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }

const REQUIRED = [
  ["bytesPerPage", "--bytes-per-page"],
  ["recordPagesPerChapter", "--record-pages-per-chapter"],
  ["chaptersPerVolume", "--chapters-per-volume"],
  ["nonce", "--nonce"]
] as const

/**
 * Finds where the volume in `path` is and what describes it (nothing is read
 * through a `Volume` yet: `withVolume` opens it). Fails with a one-line `UsageError` for a
 * missing file, a file that is neither an index nor described (by a
 * description file or the flags), a bad flag value, or a geometry larger
 * than the file.
 */
export const locateVolume = (path: string, flags: VolumeFlags): Effect.Effect<LocatedVolume, UsageError> =>
  Effect.gen(function*() {
    const size = yield* fileSize(path)
    const missing = REQUIRED.filter(([key]) => Option.isNone<unknown>(flags[key])).map(([, flag]) => flag)
    const found = yield* findDescription(path, missing.length === 0)
    if (found === undefined && missing.length > 0) {
      return yield* usage(
        `${path} is not a UDS index and has no description file (${Description.pathOf(path)}): ` +
          `describe the volume with --bytes-per-page, --record-pages-per-chapter, --chapters-per-volume ` +
          `and --nonce (missing: ${missing.join(", ")})`
      )
    }
    const geometry = yield* Geometry.make({
      ...found?.geometry,
      ...definedOnly({
        bytesPerPage: Option.getOrUndefined(flags.bytesPerPage),
        recordPagesPerChapter: Option.getOrUndefined(flags.recordPagesPerChapter),
        chaptersPerVolume: Option.getOrUndefined(flags.chaptersPerVolume),
        sparseChaptersPerVolume: Option.getOrUndefined(flags.sparseChaptersPerVolume)
      })
    }).pipe(Effect.mapError((error) => usage(error.message)))
    const nonce = Option.isSome(flags.nonce) ? yield* parseNonce(flags.nonce.value) : found!.nonce
    const volumeOffset = Option.getOrElse(flags.offset, () => found?.offset ?? 0)
    if (!Number.isSafeInteger(volumeOffset) || volumeOffset < 0) {
      return yield* usage(`--offset must be a non-negative integer number of bytes, got ${volumeOffset}`)
    }
    if (size - volumeOffset < geometry.bytesPerVolume) {
      return yield* usage(
        `${path}: the geometry needs ${geometry.bytesPerVolume} bytes from byte ${volumeOffset}, ` +
          `but the file has ${Math.max(0, size - volumeOffset)} there (${size} bytes in all)`
      )
    }
    const source: Source = found === undefined ? "flags" : found.source
    const device = BlockDevice.layerFile(path, { readOnly: true, offset: volumeOffset, size: geometry.bytesPerVolume })
    return { path, source, geometry, nonce, volumeOffset, device }
  })

// The page cache holds the default 7 chapters' worth of record pages, fewer when they would not fit its slots.
const cacheChapters = (geometry: Geometry.Geometry): number =>
  Math.max(1, Math.min(7, Math.floor(PageCache.MAX_SLOTS / geometry.recordPagesPerChapter)))

/**
 * Opens the located volume over its read-only device and runs `use` with it;
 * failing to open it is a `UsageError`.
 */
export const withVolume = <A, E, R>(
  located: LocatedVolume,
  use: (volume: Volume.Service) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | UsageError, R> => {
  const layer = Volume.layer({
    geometry: located.geometry,
    nonce: located.nonce,
    cacheChapters: cacheChapters(located.geometry)
  }).pipe(
    Layer.provide(located.device),
    Layer.mapError((error) => usage(`${located.path}: cannot open the volume: ${error.message}`))
  )
  return Effect.flatMap(Volume.Volume, use).pipe(Effect.provide(layer))
}
