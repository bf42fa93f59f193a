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
  /** Called with the bytes of each batch once it has been posted. */
  readonly advance: (bytes: number) => void
  /** Called for each file that cannot be read. */
  readonly onSkipped: (skipped: Skipped) => Effect.Effect<void>
}

/** Blocks named, then posted together (a batch); reads stop at a batch's end. */
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

// Blocks named but not yet posted, from any number of files: posting them together keeps
// `concurrency` requests in flight even when the files are small.
interface Batch {
  count: number
  names: Uint8Array
  files: Int32Array
  offsets: Float64Array
  lengths: Int32Array
}

const makeBatch = (): Batch => ({
  count: 0,
  names: new Uint8Array(CHUNK_BLOCKS * 16),
  files: new Int32Array(CHUNK_BLOCKS),
  offsets: new Float64Array(CHUNK_BLOCKS),
  lengths: new Int32Array(CHUNK_BLOCKS)
})

/** Scans the walked files; fails only when `post` fails. */
export const scan = <E, R>(found: Walk, options: ScanOptions<E, R>): Effect.Effect<Tally, E, R> =>
  Effect.gen(function*() {
    const { blockSize, concurrency, keepDuplicates, post } = options
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
    let batch = makeBatch()
    // Posts the batch, counts what was found, and starts a new one (the index may keep the names it was given).
    const postBatch = Effect.suspend(() => {
      const posted = batch
      batch = makeBatch()
      let bytes = 0
      for (let b = 0; b < posted.count; b++) bytes += posted.lengths[b]!
      return Effect.forEach(
        Array.from({ length: posted.count }, (_, b) => b),
        (b) =>
          Effect.map(
            post(posted.names.subarray(b * 16, b * 16 + 16), packLocation(posted.files[b]!, posted.offsets[b]!)),
            (old) => {
              if (Option.isNone(old)) return
              tally.duplicateBlocks++
              tally.bytesSaved += posted.lengths[b]!
              if (tally.firstDuplicates.length < keepDuplicates) {
                tally.firstDuplicates.push({
                  block: { file: posted.files[b]!, offset: posted.offsets[b]! },
                  of: unpackLocation(old.value)
                })
              }
            }
          ),
        { concurrency, discard: true }
      ).pipe(Effect.zipRight(Effect.sync(() => {
        tally.blocks += posted.count
        tally.bytesRead += bytes
        options.advance(bytes)
      })))
    })
    const chunk = new Uint8Array(CHUNK_BLOCKS * blockSize)
    for (let file = 0; file < found.files.length; file++) {
      const { path } = found.files[file]!
      const fd = yield* Effect.either(Effect.try(() => fs.openSync(path, "r")))
      if (fd._tag === "Left") {
        yield* skip(path, `cannot open it (${reasonOf(fd.left.error)})`)
        continue
      }
      // Reads the file into the batch, posting each full batch; why reading stopped early, if it did.
      const readFile = (fd: number) =>
        Effect.gen(function*() {
          for (let position = 0;;) {
            // Read only as many blocks as the batch has room for.
            const room = chunk.subarray(0, (CHUNK_BLOCKS - batch.count) * blockSize)
            const read = yield* Effect.either(Effect.try(() => readFull(fd, room, position)))
            if (read._tag === "Left") return reasonOf(read.left.error)
            const length = read.right
            for (let at = 0; at < length; at += blockSize) {
              const b = batch.count++
              const end = Math.min(length, at + blockSize)
              murmurHash3Into(chunk, at, end, VDO_SEED, batch.names, b * 16)
              batch.files[b] = file
              batch.offsets[b] = position + at
              batch.lengths[b] = end - at
            }
            if (batch.count === CHUNK_BLOCKS) yield* postBatch
            position += length
            if (length < room.length) return undefined
          }
        })
      const stopped = yield* Effect.ensuring(readFile(fd.right), Effect.sync(() => fs.closeSync(fd.right)))
      if (stopped === undefined) tally.files++
      else yield* skip(path, `cannot read it (${stopped}); the blocks before were counted`)
    }
    if (batch.count > 0) yield* postBatch
    return tally
  })
