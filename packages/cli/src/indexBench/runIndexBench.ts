/**
 * The whole-index workloads I1–I5 of BENCHMARKS.md on a 0.25 GB dense index
 * with 1 zone, then 2, on the default device options (no sync flags), in a
 * temp file removed afterwards: I1 posts new names, I2
 * queries (no update) names posted, I3 queries fresh names, I4 a save at
 * close and a clean load, I5 a rebuild after the saves are made invalid.
 * Progress goes to stderr; the figures to stdout as a table or JSON lines.
 *
 * @since 0.1.0
 */
import { Index, IndexConfig } from "@effect-uds/index"
import { BlockDevice, IndexLayout } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Console, Effect, Either, Exit, Layer, Scope } from "effect"
import * as fs from "node:fs"
import * as childProcess from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { progress, tempDirectory } from "../bench/benchVolume.js"
import { CheckFailed } from "../CliError.js"
import { jsonLine, type Line, table } from "./report.js"

/** Options of a run. */
export interface IndexBenchOptions {
  readonly json: boolean
  /** Requests in each of I1, I2 and I3 (BENCHMARKS.md: 1,000,000). */
  readonly requests: number
  /** Run with this many zones only; undefined: 1, then 2. */
  readonly zones?: number | undefined
}

/** Requests in flight at once (the reference's figures: at most 2,000). */
const IN_FLIGHT = 2000

/** BENCHMARKS.md runs the index with 1 zone, then with 2. */
const ZONES: ReadonlyArray<number> = [1, 2]

// Every request's data, le64(k) ‖ le64(0), made before timing as the names are.
const dataOf = (count: number): Uint8Array => {
  const data = new Uint8Array(count * 16)
  const view = new DataView(data.buffer)
  for (let k = 0; k < count; k++) view.setUint32(k * 16, k, true)
  return data
}

const namesOf = (seed: number, count: number): Uint8Array => {
  const names = new Uint8Array(count * 16)
  const stream = RecordGenerator.splitMix64(seed)
  for (let k = 0; k < count; k++) RecordGenerator.nextName(stream, names, k * 16)
  return names
}

const seconds = () => performance.now() / 1000

// Runs `request(i)` for i in 0..count-1, IN_FLIGHT at a time; the requests per second.
// IN_FLIGHT callers each run the next request as soon as their last one is
// answered, as the reference's clients do: no fiber is forked per request.
const timed = <E>(count: number, request: (i: number) => Effect.Effect<void, E>) =>
  Effect.suspend(() => {
    const start = seconds()
    let next = 0
    const caller = Effect.whileLoop({ while: () => next < count, body: () => request(next++), step: () => {} })
    return Effect.zipRight(
      Effect.all(Array.from({ length: IN_FLIGHT }, () => caller), { concurrency: "unbounded", discard: true }),
      Effect.sync(() => count / (seconds() - start))
    )
  })

/** Runs I1–I5 and prints their figures; a wrong answer ends it with CheckFailed after printing. */
export const runIndexBench = (options: IndexBenchOptions) =>
  Effect.gen(function*() {
    const score = machineScore()
    yield* progress(`machine score: ${score ?? "n/a"}`)
    const lines: Array<Line> = []
    const zoneCounts = options.zones === undefined ? ZONES : [options.zones]
    for (const zones of zoneCounts) lines.push(...(yield* runZones(options.requests, zones, score)))
    yield* Console.log(options.json ? lines.map(jsonLine).join("\n") : `machine score: ${score ?? "n/a"}\n${table(lines)}`)
    const wrong = lines.filter((line) => line.wrong > 0).map((line) => `${line.workload} (${line.zones} zone${line.zones === 1 ? "" : "s"})`)
    if (wrong.length > 0) return yield* new CheckFailed({ message: `wrong answers in ${wrong.join(", ")}` })
  })

// One run of I1–I5 with `zones` zones, on the default device options.
const runZones = (requests: number, zones: number, score: number | undefined) =>
  Effect.scoped(Effect.gen(function*() {
    const directory = yield* tempDirectory
    const file = path.join(directory, "index.bin")
    const config = yield* IndexConfig.make({ memorySize: 0.25, zones })
    const size = IndexConfig.indexSize(config)
    const device = (create: boolean) => BlockDevice.layerFile(file, { create, size })
    yield* progress(`${zones} zone${zones === 1 ? "" : "s"}:`)
    const names = namesOf(1, requests)
    const nameAt = (k: number) => names.subarray(k * 16, k * 16 + 16)
    const data = dataOf(requests)
    const dataAt = (k: number) => data.subarray(k * 16, k * 16 + 16)

    // I1, I2, I3 on one open; its close is I4's save.
    // The device lives in the same scope as the index, so closing the scope saves before the file closes.
    const scope = yield* Scope.make()
    const created = yield* Layer.buildWithScope(device(true), scope)
    const index = yield* Index.make(config, { open: "create" }).pipe(
      Effect.provide(created),
      Effect.provideService(Scope.Scope, scope)
    )
    yield* progress(`I1: posting ${requests} new names`)
    let i1Found = 0
    const i1 = yield* timed(requests, (k) => Effect.map(index.post(nameAt(k), dataAt(k)), (r) => void (r.found && i1Found++)))
    yield* index.flush
    yield* progress(`I2: querying ${requests} posted names`)
    const picks = RecordGenerator.splitMix64(2)
    const ks = Array.from({ length: requests }, () => Number(picks.next() % BigInt(requests)))
    let i2Wrong = 0
    const i2 = yield* timed(requests, (i) =>
      Effect.map(index.queryNoUpdate(nameAt(ks[i]!)), (r) => {
        const data = r.oldData._tag === "Some" ? r.oldData.value : undefined
        const expected = dataAt(ks[i]!)
        if (data === undefined || data.some((byte, j) => byte !== expected[j])) i2Wrong++
      }))
    yield* progress(`I3: querying ${requests} fresh names`)
    const fresh = namesOf(3, requests)
    let i3Found = 0
    const i3 = yield* timed(requests, (k) =>
      Effect.map(index.queryNoUpdate(fresh.subarray(k * 16, k * 16 + 16)), (r) => void (r.found && i3Found++)))
    const chapters = yield* index.chapters
    yield* progress("I4: close (save), then load")
    const saveStart = seconds()
    yield* Scope.close(scope, Exit.void)
    const saveMs = (seconds() - saveStart) * 1000
    const loadStart = seconds()
    let loadMs = 0
    const loadedAs = yield* Effect.scoped(
      Effect.map(Index.make(config, { open: "load" }), (loaded) => loaded.opened).pipe(
        Effect.tap(() => Effect.sync(() => (loadMs = (seconds() - loadStart) * 1000)))
      )
    ).pipe(Effect.provide(device(false)))
    yield* progress("I5: the saves made invalid, then a rebuild")
    // Zero every save slot's header block, as a crash before any save would leave them.
    const header = new Uint8Array(IndexLayout.HEADER_BYTES)
    const fd = fs.openSync(file, "r+")
    fs.readSync(fd, header, 0, header.length, 0)
    const parsed = IndexLayout.parse(header)
    if (Either.isLeft(parsed)) return yield* Effect.die(parsed.left)
    for (const region of parsed.right.regions.filter((r) => r.kind === IndexLayout.RegionKind.Save)) {
      fs.writeSync(fd, new Uint8Array(IndexLayout.BLOCK_SIZE), 0, IndexLayout.BLOCK_SIZE, region.byteOffset)
    }
    fs.closeSync(fd)
    const refused = yield* Effect.scoped(Index.make(config, { open: "loadNoRebuild" })).pipe(
      Effect.provide(device(false)),
      Effect.either
    )
    const rebuildStart = seconds()
    let rebuildMs = 0
    const rebuiltAs = yield* Effect.scoped(
      Effect.map(Index.make(config, { open: "load" }), (rebuilt) => {
        rebuildMs = (seconds() - rebuildStart) * 1000
        return rebuilt.opened
      })
    ).pipe(Effect.provide(device(false)))
    const common = { zones, score }
    const lines: ReadonlyArray<Line> = [
      { ...common, workload: "I1", metric: "requests_per_s", value: i1, wrong: i1Found, note: `${i1Found} found, ${IN_FLIGHT} in flight` },
      { ...common, workload: "I2", metric: "requests_per_s", value: i2, wrong: i2Wrong, note: `${i2Wrong} missed or wrong data` },
      { ...common, workload: "I3", metric: "requests_per_s", value: i3, wrong: i3Found, note: `${i3Found} false positives` },
      {
        ...common,
        workload: "I4",
        metric: "ms",
        value: loadMs,
        saveMs,
        wrong: loadedAs === "loaded" ? 0 : 1,
        note: `opened ${loadedAs}`
      },
      {
        ...common,
        workload: "I5",
        metric: "ms",
        value: rebuildMs,
        wrong: (Either.isLeft(refused) && refused.left._tag === "NeedsRebuild" ? 0 : 1) + (rebuiltAs === "rebuilt" ? 0 : 1),
        note: `loadNoRebuild ${Either.isLeft(refused) ? `failed with ${refused.left._tag}` : "loaded"}; ` +
          `${chapters.newest} closed chapter${chapters.newest === 1 ? "" : "s"} ${rebuiltAs}`
      }
    ]
    return lines
  }))

/**
 * The machine score of ../shared/calibrate.mjs (UDS_SHARED, else ../shared
 * from the repository root), run as a subprocess; undefined when it is not
 * there or prints no score.
 */
const machineScore = (): number | undefined => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..")
  const script = path.join(process.env["UDS_SHARED"] ?? path.join(root, "..", "shared"), "calibrate.mjs")
  if (!fs.existsSync(script)) return undefined
  const run = childProcess.spawnSync(process.execPath, [script], { encoding: "utf8" })
  const match = /"score"\s*:\s*([0-9.]+)/.exec(run.stdout ?? "")
  return match === null ? undefined : Number(match[1])
}
