/**
 * The dedup scan: reads every walked file in fixed blocks, names each block
 * by its MurmurHash3 (VDO's seed), and posts the name with the block's
 * location through `post`, several requests in flight at once. A post that
 * finds its name is a duplicate block; the tally counts them and the bytes
 * they would save.
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import { type Location, packLocation, unpackLocation } from "./location.js"
import { murmurHash3Into, VDO_SEED } from "./murmurHash3.js"
import type { Skipped, Walk } from "./walk.js"

/** A duplicate block and the block it duplicates (as the index remembers it). */
export interface Duplicate {
  readonly block: Location
  readonly of: Location
}

/** What a scan counted. */
export interface Tally {
  /** Files read to the end. */
  files: number
  blocks: number
  duplicateBlocks: number
  bytesRead: number
  bytesSaved: number
  /** The walk's skipped entries, then the files that could not be read. */
  readonly skipped: Array<Skipped>
  /** The first duplicates found, at most `keepDuplicates`. */
  readonly firstDuplicates: Array<Duplicate>
}

/** How to scan. */
export interface ScanOptions<E, R> {
  readonly blockSize: number
  /** Posts a name with its data; succeeds with the data already stored when the name was found. */
  readonly post: (name: Uint8Array, data: Uint8Array) => Effect.Effect<Option.Option<Uint8Array>, E, R>
  /** Requests in flight at once. */
  readonly concurrency: number
  /** How many duplicates to keep in `firstDuplicates`. */
  readonly keepDuplicates: number
  /** Called with the bytes of each chunk once it has been posted. */
  readonly advance: (bytes: number) => void
  /** Called for each file that cannot be read. */
  readonly onSkipped: (skipped: Skipped) => Effect.Effect<void>
}

/** Blocks read from a file at a time. */
const CHUNK_BLOCKS = 256

const reasonOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error)

// Fills `buffer` from `position` of `fd` until it is full or the file ends; the bytes read.
const readFull = (fd: number, buffer: Uint8Array, position: number): number => {
  let filled = 0
  while (filled < buffer.length) {
    const n = fs.readSync(fd, buffer, filled, buffer.length - filled, position + filled)
    if (n === 0) break
    filled += n
  }
  return filled
}

/** Scans the walked files; fails only when `post` fails. */
export const scan = <E, R>(found: Walk, options: ScanOptions<E, R>): Effect.Effect<Tally, E, R> =>
  Effect.gen(function*() {
    const tally: Tally = {
      files: 0,
      blocks: 0,
      duplicateBlocks: 0,
      bytesRead: 0,
      bytesSaved: 0,
      skipped: [...found.skipped],
      firstDuplicates: []
    }
    const skip = (path: string, reason: string) =>
      Effect.suspend(() => {
        const skipped = { path, reason }
        tally.skipped.push(skipped)
        return options.onSkipped(skipped)
      })
    for (let file = 0; file < found.files.length; file++) {
      const { path } = found.files[file]!
      const fd = yield* Effect.either(Effect.try(() => fs.openSync(path, "r")))
      if (fd._tag === "Left") {
        yield* skip(path, `cannot open it (${reasonOf(fd.left.error)})`)
        continue
      }
      const finished = yield* Effect.ensuring(
        scanFile(fd.right, file, tally, options),
        Effect.sync(() => fs.closeSync(fd.right))
      )
      if (finished === undefined) tally.files++
      else yield* skip(path, `cannot read it (${finished}); the blocks before were counted`)
    }
    return tally
  })

// Scans one open file; succeeds with undefined, or with why reading stopped.
const scanFile = <E, R>(
  fd: number,
  file: number,
  tally: Tally,
  options: ScanOptions<E, R>
): Effect.Effect<string | undefined, E, R> =>
  Effect.gen(function*() {
    const { blockSize, concurrency, keepDuplicates, post } = options
    for (let position = 0;;) {
      // A fresh buffer per chunk: the index may keep the names and data it is given.
      const chunk = new Uint8Array(CHUNK_BLOCKS * blockSize)
      const read = yield* Effect.either(Effect.try(() => readFull(fd, chunk, position)))
      if (read._tag === "Left") return reasonOf(read.left.error)
      const length = read.right
      if (length === 0) return undefined
      const count = Math.ceil(length / blockSize)
      const names = new Uint8Array(count * 16)
      for (let b = 0; b < count; b++) {
        murmurHash3Into(chunk, b * blockSize, Math.min(length, (b + 1) * blockSize), VDO_SEED, names, b * 16)
      }
      const chunkStart = position
      yield* Effect.forEach(
        Array.from({ length: count }, (_, b) => b),
        (b) => {
          const offset = chunkStart + b * blockSize
          return Effect.map(post(names.subarray(b * 16, b * 16 + 16), packLocation(file, offset)), (old) => {
            if (Option.isNone(old)) return
            tally.duplicateBlocks++
            tally.bytesSaved += Math.min(length - b * blockSize, blockSize)
            if (tally.firstDuplicates.length < keepDuplicates) {
              tally.firstDuplicates.push({ block: { file, offset }, of: unpackLocation(old.value) })
            }
          })
        },
        { concurrency, discard: true }
      )
      tally.blocks += count
      tally.bytesRead += length
      options.advance(length)
      position += length
      if (length < chunk.length) return undefined
    }
  })
