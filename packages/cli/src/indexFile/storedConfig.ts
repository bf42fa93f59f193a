/**
 * The configuration an index file was made with, recovered from its stored
 * configuration record: the memory-size preset its geometry is, dense or
 * sparse, reduced or not, and its nonce, as an `IndexConfig` the index can
 * be opened with. The file is opened read-only.
 *
 * @since 0.1.0
 */
import { IndexConfig } from "@effect-uds/index"
import { Geometry, IndexLayout } from "@effect-uds/volume"
import { Effect, Either } from "effect"
import * as fs from "node:fs"
import { UsageError } from "../CliError.js"

const usage = (message: string) => new UsageError({ message })

/** What the first two blocks of the file say, with the file's size. */
export interface StoredIndex {
  readonly path: string
  readonly fileSize: number
  readonly parsed: IndexLayout.Layout
  readonly config: IndexConfig.IndexConfig
}

// The memory size whose preset has this many record pages and (unreduced, dense) chapters.
const memorySizeOf = (recordPagesPerChapter: number, chapters: number): Geometry.MemorySize | undefined =>
  recordPagesPerChapter === 32 && chapters === 4
    ? "tiny"
    : chapters === 1024 && recordPagesPerChapter === 64
    ? 0.25
    : chapters === 1024 && recordPagesPerChapter === 128
    ? 0.5
    : chapters === 1024 && recordPagesPerChapter === 192
    ? 0.75
    : recordPagesPerChapter === 256 && chapters % 1024 === 0 && chapters >= 1024 && chapters <= 1024 * 1024
    ? chapters / 1024
    : undefined

/**
 * Reads `bytes` bytes at `position` of `fd`; bytes past the end of the file
 * read as zeros (index files often have their trailing zero blocks trimmed).
 */
export const readZeroFilled = (fd: number, position: number, bytes: number): Uint8Array => {
  const buffer = new Uint8Array(bytes)
  let filled = 0
  while (filled < bytes) {
    const n = fs.readSync(fd, buffer, filled, bytes - filled, position + filled)
    if (n === 0) break
    filled += n
  }
  return buffer
}

/** Runs `use` with `path` opened read-only; a file that cannot be opened is a `UsageError`. */
export const withReadOnlyFile = <A, E, R>(
  path: string,
  use: (fd: number, size: number) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | UsageError, R> =>
  Effect.acquireUseRelease(
    Effect.try({
      try: () => {
        const fd = fs.openSync(path, "r")
        return { fd, size: fs.fstatSync(fd).size }
      },
      catch: (cause) => {
        const code = (cause as NodeJS.ErrnoException).code
        return usage(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot open it (${code ?? String(cause)})`)
      }
    }),
    ({ fd, size }) => use(fd, size),
    ({ fd }) => Effect.sync(() => fs.closeSync(fd))
  )

/**
 * The stored configuration of the index in `fd` (at byte 0), as an
 * `IndexConfig`. Fails with a one-line `UsageError` when the file is not a
 * UDS index, its super block or configuration is corrupt, or its geometry is
 * none of the reference's presets.
 */
export const readStoredIndex = (path: string, fd: number, fileSize: number): Effect.Effect<StoredIndex, UsageError> =>
  Effect.gen(function*() {
    if (fileSize < IndexLayout.HEADER_BYTES) {
      return yield* usage(`${path}: ${fileSize} bytes, too short for a UDS index (at least ${IndexLayout.HEADER_BYTES})`)
    }
    const header = yield* Effect.try({
      try: () => readZeroFilled(fd, 0, IndexLayout.HEADER_BYTES),
      catch: (cause) => usage(`${path}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`)
    })
    const parsed = yield* Either.mapLeft(IndexLayout.parse(header), (error) => usage(`${path}: ${error.message}`))
    const { chaptersPerVolume, recordPagesPerChapter, sparseSampleRate, userNonce } = parsed.configuration
    const sparse = sparseSampleRate > 0
    const reduced = Geometry.isReduced(parsed.geometry)
    const chapters = (chaptersPerVolume + (reduced ? 1 : 0)) / (sparse ? 10 : 1)
    const memorySize = memorySizeOf(recordPagesPerChapter, chapters)
    if (memorySize === undefined || parsed.configuration.bytesPerPage !== 32768) {
      return yield* usage(
        `${path}: its geometry (${parsed.configuration.bytesPerPage}-byte pages, ${recordPagesPerChapter} record pages ` +
          `per chapter, ${chaptersPerVolume} chapters) is none of the memory-size presets this tool opens`
      )
    }
    const config = yield* IndexConfig.make({ memorySize, sparse, reduced, nonce: userNonce }).pipe(
      Effect.mapError((error) => usage(`${path}: ${error.message}`))
    )
    return { path, fileSize, parsed, config }
  })
