/**
 * `uds-index dedup PATH...`: reads every regular file under the paths in
 * fixed blocks, names each block by MurmurHash3 x64-128 with VDO's seed (as
 * VDO names its 4 KiB blocks, so these are the names VDO would post), and
 * posts it to a whole index with its location; a post that finds its name
 * is a duplicate. Prints what dedup would save.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { type Index, IndexConfig } from "@effect-uds/index"
import type { Geometry } from "@effect-uds/volume"
import { Console, Effect, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { UsageError } from "../CliError.js"
import { type Duplicate, scan, type Tally } from "../blocks/scan.js"
import { walk } from "../blocks/walk.js"
import { blockSizeOption, memoryOption, verboseFlag } from "../indexFlags.js"
import { withIndexFile } from "../indexFile/openIndex.js"
import { readStoredIndex, withReadOnlyFile } from "../indexFile/storedConfig.js"
import { withProgress } from "../progress.js"
import { jsonFlag } from "../volumeFlags.js"
import { statsLines } from "./stats.js"

/** Requests in flight at once: enough to keep every zone busy while the next chunk is read. */
const CONCURRENCY = 64
/** Duplicates listed by --verbose. */
const SHOWN_DUPLICATES = 10

const PRESETS: ReadonlyArray<Geometry.MemorySize> = ["tiny", 0.25, 0.5, 0.75, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

/**
 * The smallest dense index whose volume holds at least twice `blocks`
 * records, so that nothing the scan posts leaves its dedup window.
 */
export const memoryForBlocks = (blocks: number): Effect.Effect<IndexConfig.IndexConfig, UsageError> =>
  Effect.gen(function*() {
    for (const memorySize of PRESETS) {
      const config = yield* Effect.orDie(IndexConfig.make({ memorySize }))
      if (config.geometry.recordsPerVolume >= 2 * blocks) return config
    }
    return yield* new UsageError({ message: `${blocks} blocks are more than the largest index (1024 GB) can dedup` })
  })

const pathsArg = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("files and directories to read (directories recursively; symbolic links are not followed)"),
  Args.atLeast(1)
)

const indexOption = Options.text("index").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription(
    "the index to use, created when absent (sized by --memory, default 0.25) and kept afterwards, so that a second " +
      "run over the same data finds every block; without it, a temporary index sized for the input, removed afterwards"
  ),
  Options.optional
)

interface Opened {
  readonly file: string | null
  readonly config: IndexConfig.IndexConfig
  readonly opened: Index.Opened
}

// Where an --index FILE stands: absent (create it) or an index to load (its stored configuration).
const indexFileConfig = (file: string, memory: Option.Option<Geometry.MemorySize>) =>
  Effect.gen(function*() {
    if (!fs.existsSync(file)) {
      const config = yield* IndexConfig.make({ memorySize: Option.getOrElse(memory, () => 0.25) }).pipe(
        Effect.mapError((error) => new UsageError({ message: error.message }))
      )
      return { config, open: "create" as const }
    }
    const stored = yield* withReadOnlyFile(file, (fd, size) => readStoredIndex(file, fd, size))
    if (Option.isSome(memory) && memory.value !== stored.config.memorySize) {
      return yield* new UsageError({
        message: `${file} holds a ${stored.config.memorySize} index, not ${memory.value}: ` +
          "leave out --memory to use it as it is, or name another file"
      })
    }
    return { config: stored.config, open: "load" as const }
  })

// Runs `use` with the index --index names, or a temporary one removed afterwards.
const withDedupIndex = <A, E, R>(
  indexFile: Option.Option<string>,
  memory: Option.Option<Geometry.MemorySize>,
  blocks: number,
  use: (index: Index.Service, opened: Opened) => Effect.Effect<A, E, R>
) =>
  Option.match(indexFile, {
    onSome: (file) =>
      Effect.flatMap(indexFileConfig(file, memory), ({ config, open }) =>
        withIndexFile(file, config, open, (index) => use(index, { file, config, opened: index.opened }))),
    onNone: () =>
      Effect.gen(function*() {
        const config = Option.isSome(memory)
          ? yield* Effect.mapError(IndexConfig.make({ memorySize: memory.value }), (e) => new UsageError({ message: e.message }))
          : yield* memoryForBlocks(blocks)
        return yield* Effect.acquireUseRelease(
          Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "uds-index-dedup-"))),
          (dir) =>
            withIndexFile(
              nodePath.join(dir, "index.bin"),
              config,
              "create",
              (index) => use(index, { file: null, config, opened: index.opened })
            ),
          (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
        )
      })
  })

const mb = (bytes: number) => bytes / 1e6
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : 0)
const memoryText = (config: IndexConfig.IndexConfig) =>
  `${config.memorySize === "tiny" ? "tiny" : `${config.memorySize} GB`} ${config.sparse ? "sparse" : "dense"}`

/** The figures of a finished scan. */
const figures = (tally: Tally, seconds: number) => ({
  dedupRatio: fixed(tally.bytesRead / Math.max(1, tally.bytesRead - tally.bytesSaved), 4),
  seconds: fixed(seconds, 3),
  mbPerSecond: fixed(mb(tally.bytesRead) / seconds, 1),
  blocksPerSecond: fixed(tally.blocks / seconds, 0)
})

const duplicateText = (paths: ReadonlyArray<string>, duplicate: Duplicate) =>
  `${paths[duplicate.block.file]}:${duplicate.block.offset} = ${paths[duplicate.of.file] ?? `file ${duplicate.of.file}`}:${duplicate.of.offset}`

/** The `dedup` command. */
export const dedup = Command.make(
  "dedup",
  {
    paths: pathsArg,
    index: indexOption,
    memory: Options.optional(memoryOption),
    blockSize: blockSizeOption,
    json: jsonFlag,
    verbose: verboseFlag
  },
  ({ blockSize, index: indexFile, json, memory, paths, verbose }) =>
    Effect.gen(function*() {
      const found = walk(paths)
      const skippedLine = (path: string, reason: string) => Console.error(`${path}: ${reason}; skipped`)
      for (const skipped of found.skipped) yield* skippedLine(skipped.path, skipped.reason)
      const expectedBlocks = found.files.reduce((sum, file) => sum + Math.ceil(file.size / blockSize), 0)
      const { opened, seconds, stats, tally } = yield* withDedupIndex(indexFile, memory, expectedBlocks, (index, opened) =>
        withProgress("dedup", found.totalBytes, (progress) =>
          Effect.gen(function*() {
            const start = performance.now()
            const tally = yield* scan(found, {
              blockSize,
              post: (name, data) => Effect.map(index.post(name, data), (result) => result.oldData),
              concurrency: CONCURRENCY,
              keepDuplicates: verbose ? SHOWN_DUPLICATES : 0,
              advance: (bytes) => progress.advance(bytes),
              onSkipped: (skipped) => skippedLine(skipped.path, skipped.reason)
            })
            const seconds = (performance.now() - start) / 1000
            return { opened, seconds, stats: yield* index.stats, tally }
          })))
      const filePaths = found.files.map((file) => file.path)
      const figure = figures(tally, seconds)
      if (json) {
        return yield* Console.log(JSON.stringify({
          files: tally.files,
          blocks: tally.blocks,
          duplicateBlocks: tally.duplicateBlocks,
          bytesRead: tally.bytesRead,
          bytesSaved: tally.bytesSaved,
          skipped: tally.skipped.length,
          blockSize,
          ...figure,
          index: { file: opened.file, memorySize: opened.config.memorySize, sparse: opened.config.sparse, opened: opened.opened },
          stats,
          skippedEntries: tally.skipped,
          ...(verbose ? { firstDuplicates: tally.firstDuplicates.map((d) => duplicateText(filePaths, d)) } : {})
        }))
      }
      const percent = (part: number, whole: number) => (whole === 0 ? "0" : ((100 * part) / whole).toFixed(1))
      yield* Console.log([
        `files:            ${tally.files} read, ${tally.skipped.length} skipped`,
        `blocks:           ${tally.blocks} of ${blockSize} bytes or fewer (${tally.bytesRead} bytes)`,
        `duplicate blocks: ${tally.duplicateBlocks} (${percent(tally.duplicateBlocks, tally.blocks)}%)`,
        `bytes saved:      ${tally.bytesSaved} (${mb(tally.bytesSaved).toFixed(1)} MB, ${percent(tally.bytesSaved, tally.bytesRead)}%)`,
        `dedup ratio:      ${figure.dedupRatio.toFixed(3)}:1`,
        `throughput:       ${figure.mbPerSecond} MB/s, ${figure.blocksPerSecond} blocks/s (${figure.seconds} s)`,
        `index:            ${opened.file === null ? "temporary" : opened.file} (${memoryText(opened.config)}, ${opened.opened})`,
        ...statsLines(stats).map((line) => `  ${line}`),
        ...(verbose && tally.firstDuplicates.length > 0
          ? ["first duplicates:", ...tally.firstDuplicates.map((d) => `  ${duplicateText(filePaths, d)}`)]
          : [])
      ].join("\n"))
    })
).pipe(Command.withDescription(
  "find the duplicate blocks in files: name each block by MurmurHash3 x64-128 with VDO's seed 0x62ea60be (as VDO " +
    "names its 4 KiB blocks) and post it with its location (file number, byte offset) to a whole index"
))
