// The volume file every workload runs on: a temp file removed when the scope closes.
import { BlockDevice, type Geometry, Volume } from "@effect-uds/volume"
import { Context, Effect, Layer, type Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** The nonce stamped into the benchmark volumes' index pages. */
export const BENCH_NONCE = 0x5eed_0001_5eed_0002n

/** A fresh temp directory for the scope, removed with everything in it when the scope closes. */
export const tempDirectory: Effect.Effect<string, Error, Scope.Scope> = Effect.acquireRelease(
  Effect.try({
    try: () => fs.mkdtempSync(path.join(os.tmpdir(), "uds-bench-")),
    catch: (cause) => new Error(`cannot make a temp directory: ${String(cause)}`)
  }),
  (directory) => Effect.sync(() => fs.rmSync(directory, { recursive: true, force: true }))
)

/** How to open a benchmark volume. */
export interface OpenOptions {
  readonly cacheChapters?: number
  readonly readThreads?: number
  /** Open the file with `syncReads: true` (reads always on the calling thread); else its default adaptive reads. */
  readonly syncReads?: boolean
  /** Open the file with `syncWrites` (writes on the calling thread). */
  readonly syncWrites?: boolean
}

/**
 * Opens a volume over the file at `file` (created at the geometry's size when
 * missing) for the life of the scope: a freshly opened volume, with an empty
 * page cache.
 */
export const openVolume = (
  file: string,
  geometry: Geometry.Geometry,
  options: OpenOptions = {}
): Effect.Effect<Volume.Service, Error, Scope.Scope> =>
  Layer.build(
    Volume.layer({
      geometry,
      nonce: BENCH_NONCE,
      ...(options.cacheChapters === undefined ? {} : { cacheChapters: options.cacheChapters }),
      ...(options.readThreads === undefined ? {} : { readThreads: options.readThreads })
    }).pipe(
      Layer.provide(BlockDevice.layerFile(file, {
        create: true,
        size: geometry.bytesPerVolume,
        ...(options.syncReads === true ? { syncReads: true } : {}),
        syncWrites: options.syncWrites === true
      }))
    )
  ).pipe(
    Effect.map((context) => Context.get(context, Volume.Volume)),
    Effect.mapError((error) => new Error(`cannot open the benchmark volume: ${error.message}`))
  )

/** Milliseconds from a monotonic clock. */
export const now = (): number => performance.now()

/**
 * Collects garbage now, when the process runs with `--expose-gc` (`pnpm
 * bench` does): a timed phase then does not pay for the garbage of the setup
 * before it (generated records, earlier workloads). Garbage the timed code
 * makes itself is still collected, and paid for, inside the phase.
 */
export const settleHeap: Effect.Effect<void> = Effect.sync(() => {
  const gc: unknown = Reflect.get(globalThis, "gc")
  if (typeof gc === "function") gc()
})

/** Writes a progress line to stderr (stdout carries only the results). */
export const progress = (message: string): Effect.Effect<void> => Effect.sync(() => process.stderr.write(`${message}\n`))
