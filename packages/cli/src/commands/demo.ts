/**
 * `uds-volume demo [--dir DIR] [--chapters N]`: creates a volume file, writes
 * N chapters of generated records (wrapping past the volume's 16 chapters),
 * looks records back up, reopens the file and runs the boundary search, and
 * prints a short summary.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Console, Effect, Layer, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { CheckFailed, UsageError } from "../CliError.js"
import { integerOption } from "../integerOption.js"
import * as Description from "../description.js"
import { boundariesText, geometryJson, geometryText, hex } from "../format.js"
import { locateVolume, withVolume } from "../locateVolume.js"
import { withProgress } from "../progress.js"
import { jsonFlag, noVolumeFlags } from "../volumeFlags.js"

const GEOMETRY = { bytesPerPage: 4096, recordPagesPerChapter: 64, chaptersPerVolume: 16 } as const
const SEED = 1
const SAMPLES_PER_CHAPTER = 64
const ABSENT_NAMES = 1000
const FILE_NAME = "demo.volume"
const MAX_CHAPTERS = 100_000
// How to run uds-volume from a clone set up as the README says: pnpm comes through npx, it need not be on PATH.
const RUN_FROM_CLONE = "npx --yes pnpm@9.15.9 --silent uds-volume"

// A record written to the volume, remembered to be looked up again.
interface Sample {
  readonly name: Uint8Array
  readonly data: Uint8Array
  readonly virtualChapter: number
}

interface LookupCounts {
  readonly present: number
  readonly found: number
  readonly wrong: number
  readonly expired: number
  readonly expiredFound: number
  readonly absent: number
  readonly absentFound: number
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

// The directory and volume path; refuses to replace a file that demo did not make.
const prepareFile = (dir: Option.Option<string>): Effect.Effect<string, UsageError> =>
  Effect.try({
    try: () => {
      const directory = Option.match(dir, {
        onNone: () => fs.mkdtempSync(path.join(os.tmpdir(), "uds-volume-demo-")),
        onSome: (given) => (fs.mkdirSync(given, { recursive: true }), given)
      })
      const file = path.join(directory, FILE_NAME)
      if (fs.existsSync(file) && !fs.existsSync(Description.pathOf(file))) {
        throw new Error(`${file} exists and was not made by demo (no ${path.basename(Description.pathOf(file))}): choose another --dir`)
      }
      fs.rmSync(file, { force: true })
      return file
    },
    catch: (cause) => new UsageError({ message: (cause as Error).message })
  })

// Writes chapters 0 .. chapters-1, keeping a few records of each.
const writeChapters = (volume: Volume.Service, chapters: number) =>
  withProgress("writing chapters", chapters, (progress) =>
    Effect.gen(function*() {
      const perChapter = volume.geometry.recordsPerChapter
      const stream = RecordGenerator.splitMix64(SEED)
      const samples: Array<Sample> = []
      let writeMs = 0
      for (let chapter = 0; chapter < chapters; chapter++) {
        const records = RecordGenerator.nextRecords(stream, chapter * perChapter, perChapter, chapter)
        for (let i = 0; i < SAMPLES_PER_CHAPTER; i++) {
          const at = Math.floor((i * perChapter) / SAMPLES_PER_CHAPTER) * 32
          samples.push({ name: records.slice(at, at + 16), data: records.slice(at + 16, at + 32), virtualChapter: chapter })
        }
        const start = performance.now()
        yield* volume.writeChapter(chapter, records)
        writeMs += performance.now() - start
        progress.advance()
      }
      return { samples, writeMs }
    }))

// Looks up every sample (found in a live chapter, gone from an overwritten one) and never-written names.
const lookUp = (volume: Volume.Service, samples: ReadonlyArray<Sample>, oldestLive: number, newest: number) =>
  Effect.gen(function*() {
    let present = 0, found = 0, wrong = 0, expired = 0, expiredFound = 0, absentFound = 0
    for (const sample of samples) {
      const result = yield* volume.lookup(sample.name, sample.virtualChapter)
      if (sample.virtualChapter >= oldestLive) {
        present++
        if (Option.isSome(result)) {
          found++
          if (hex(result.value) !== hex(sample.data)) wrong++
        }
      } else {
        expired++
        if (Option.isSome(result)) expiredFound++
      }
    }
    const stream = RecordGenerator.splitMix64(SEED + 1)
    const name = new Uint8Array(16)
    for (let i = 0; i < ABSENT_NAMES; i++) {
      RecordGenerator.nextName(stream, name)
      const chapter = oldestLive + (i % (newest - oldestLive + 1))
      if (Option.isSome(yield* volume.lookup(name, chapter))) absentFound++
    }
    const counts: LookupCounts = { present, found, wrong, expired, expiredFound, absent: ABSENT_NAMES, absentFound }
    return counts
  })

/** The `demo` command. */
export const demo = Command.make(
  "demo",
  {
    dir: Options.directory("dir").pipe(
      Options.withDescription("where to write demo.volume and demo.volume.json (default: a new temp dir)"),
      Options.optional
    ),
    chapters: integerOption("chapters", { min: 1, max: MAX_CHAPTERS }, "chapters to write (default 20; the volume holds 16, so more wrap around)").pipe(
      Options.withDefault(20)
    ),
    json: jsonFlag
  },
  ({ chapters, dir, json }) =>
    Effect.gen(function*() {
      const started = performance.now()
      const geometry = yield* Geometry.make(GEOMETRY)
      const nonce = crypto.randomBytes(8).readBigUInt64LE()
      const file = yield* prepareFile(dir)
      yield* Description.write(file, Description.make(geometry, nonce))
      const oldestLive = Math.max(0, chapters - geometry.chaptersPerVolume)
      const device = BlockDevice.layerFile(file, { create: true, size: geometry.bytesPerVolume })
      const { counts, stats, writeMs } = yield* Effect.gen(function*() {
        const volume = yield* Volume.Volume
        const { samples, writeMs } = yield* writeChapters(volume, chapters)
        const counts = yield* lookUp(volume, samples, oldestLive, chapters - 1)
        return { counts, stats: yield* volume.stats, writeMs }
      }).pipe(Effect.provide(Volume.layer({ geometry, nonce }).pipe(Layer.provide(device))))

      // Reopened from its description file, as `inspect` would, the volume finds its own boundaries.
      const located = yield* locateVolume(file, noVolumeFlags)
      const searchStart = performance.now()
      const boundaries = yield* withVolume(located, (volume) => volume.findChapterBoundaries)
      const searchMs = performance.now() - searchStart

      const records = chapters * geometry.recordsPerChapter
      const foundPercent = counts.present === 0 ? 100 : (100 * counts.found) / counts.present
      const recordsPerSecond = Math.round(records / (writeMs / 1000))
      const next = `${RUN_FROM_CLONE} inspect ${file}`
      if (json) {
        yield* Console.log(JSON.stringify({
          volume: file,
          description: Description.pathOf(file),
          geometry: geometryJson(geometry),
          nonce: nonce.toString(),
          chapters,
          overwritten: oldestLive,
          records,
          writeMs,
          recordsPerSecond,
          lookups: { ...counts, foundPercent },
          stats,
          boundaries,
          searchMs,
          timeMs: performance.now() - started,
          next
        }))
      } else {
        yield* Console.log([
          `volume:     ${file} (${geometry.bytesPerVolume} bytes) + ${path.basename(Description.pathOf(file))}`,
          `geometry:   ${geometryText(geometry)}; nonce ${nonce}`,
          `written:    ${chapters} chapters (virtual 0..${chapters - 1}), ${records} records in ${seconds(writeMs)} ` +
            `(${recordsPerSecond} records/s)` +
            (oldestLive > 0 ? `; chapters 0..${oldestLive - 1} were overwritten` : ""),
          `lookups:    ${counts.present} written names: ${counts.found} found (${foundPercent.toFixed(1)}%), ` +
            `${counts.wrong} wrong data`,
          `            ${counts.expired} names of overwritten chapters: ${counts.expiredFound} found; ` +
            `${counts.absent} never-written names: ${counts.absentFound} found`,
          `            ${stats.cacheHits} cache hits, ${stats.cacheMisses} misses, ${stats.pagesRead} pages read`,
          `boundaries: ${boundariesText(boundaries)} after reopening, in ${(searchMs).toFixed(1)} ms`,
          `time:       ${seconds(performance.now() - started)}`,
          `next:       ${next}`
        ].join("\n"))
      }
      const bad = counts.wrong + counts.expiredFound + counts.absentFound + (counts.present - counts.found)
      const expected = !boundaries.isEmpty && boundaries.lowest === oldestLive && boundaries.highest === chapters - 1
      if (bad > 0 || !expected) return yield* new CheckFailed({ message: "the volume gave wrong answers" })
    })
).pipe(Command.withDescription("write a volume of generated records, read it back and find its boundaries"))
