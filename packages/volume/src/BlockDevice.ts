/**
 * The storage a volume lives on: a fixed number of bytes read and written at
 * any offset. Memory and file devices are provided here, with wrappers that
 * inject faults or simulate crashes for tests.
 *
 * @since 0.1.0
 */
import { Context, type Duration, Effect, Layer } from "effect"
import { InvalidArgument, type IoError } from "./VolumeError.js"
import { makeCrashableDevice } from "./internal/device/crashableDevice.js"
import { readIntoAny } from "./internal/device/deviceAccess.js"
import { makeFaultyDevice } from "./internal/device/faultyDevice.js"
import { makeFileDevice } from "./internal/device/fileDevice.js"
import { maxMemorySize, memoryDeviceFor } from "./internal/device/memoryDevice.js"

/**
 * A fault's `when` predicate: the access `[offset, offset + length)` overlaps bytes `[start, end)`.
 *
 * @since 0.1.0
 * @category utils
 */
export { overlaps } from "./internal/device/faultyDevice.js"

/**
 * What a block device provides. Reads and writes at any offsets are
 * independent (positional I/O, no shared position) and any number may be in
 * flight at once.
 *
 * `read` and `write` may fail with `InvalidArgument` for an access outside
 * `0 .. size` (a negative or fractional offset or length, or one past the
 * end). A device of your own may declare only `IoError` there: it is still
 * a valid `Service`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The device size in bytes. */
  readonly size: number
  /** Reads `length` bytes at `offset` into a new array the caller owns. */
  readonly read: (offset: number, length: number) => Effect.Effect<Uint8Array, IoError | InvalidArgument>
  /** Writes `data` at `offset`. The device may not keep `data` after the effect completes. */
  readonly write: (offset: number, data: Uint8Array) => Effect.Effect<void, IoError | InvalidArgument>
  /** Makes every completed write durable. */
  readonly flush: Effect.Effect<void, IoError>
  /**
   * Optional: reads `target.length` bytes at `offset` straight into `target`,
   * saving the copy `read` makes. Callers fall back to `read` when absent.
   */
  readonly readInto?: (offset: number, target: Uint8Array) => Effect.Effect<void, IoError | InvalidArgument>
}

/**
 * The block device a volume reads and writes.
 *
 * @since 0.1.0
 * @category tags
 */
export class BlockDevice extends Context.Tag("@effect-uds/volume/BlockDevice")<BlockDevice, Service>() {}

/**
 * Reads `target.length` bytes at `offset` into `target`, with the device's
 * `readInto` when it has one, else with `read` and a copy.
 *
 * @since 0.1.0
 * @category utils
 */
export const readInto: (
  device: Service,
  offset: number,
  target: Uint8Array
) => Effect.Effect<void, IoError | InvalidArgument> = readIntoAny

/**
 * A device in memory: over `bytes` itself (shared, not copied, so the caller
 * sees every write, which is handy in tests), or over a fresh zeroed buffer
 * of `size` bytes made each time the layer is built. Building it fails with
 * `InvalidArgument` for a `size` that is not a non-negative safe integer or
 * above {@link MAX_MEMORY_SIZE}, for a size the process cannot allocate, and
 * for `bytes` that is not a Uint8Array.
 *
 * @example
 * const bytes = new Uint8Array(1 << 20)
 * const device = BlockDevice.layerMemory({ bytes })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (
  init: { readonly size: number } | { readonly bytes: Uint8Array }
): Layer.Layer<BlockDevice, InvalidArgument> =>
  Layer.suspend(() => {
    const device = memoryDeviceFor(init)
    return device instanceof InvalidArgument ? Layer.fail(device) : Layer.succeed(BlockDevice, device)
  })

/**
 * The largest memory device: the largest Uint8Array this runtime makes.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_MEMORY_SIZE: number = maxMemorySize

/**
 * Options of `layerFile`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileOptions {
  readonly create?: boolean
  readonly size?: number
  readonly offset?: number
  /** Open the file read-only: writes fail with IoError, flush does nothing. */
  readonly readOnly?: boolean
  /**
   * Fixes how the device reads. `true`: always with `fs.readSync` on the
   * calling thread; every read then blocks the whole process until the disk
   * answers, so use it only for fast local storage. `false`: always through
   * libuv's thread pool. Left out (the default): adaptive reads, on the
   * calling thread while such reads are fast and through the thread pool
   * while they are slow (see {@link AdaptiveReadOptions}).
   */
  readonly syncReads?: boolean
  /**
   * Tuning of the default adaptive reads (used only when `syncReads` is left out).
   *
   * @since 0.1.0
   */
  readonly adaptiveReads?: AdaptiveReadOptions
  /**
   * Write with `fs.writeSync` on the calling thread (default false): a write
   * copies into the OS page cache without a thread round trip; `flush` stays
   * asynchronous. Leave it off for slow or network storage, where the OS
   * may block a writer until the disk catches up.
   */
  readonly syncWrites?: boolean
}

/**
 * Tuning of a file device's adaptive reads, its default read path. The device
 * starts reading on the calling thread (`fs.readSync`), timing every read: a
 * page the OS has cached costs a few microseconds, far less than a round
 * trip through libuv's thread pool. When the moving average of those reads
 * rises above `slowReadMicros`, or a single read takes more than 20 times
 * that, the device reads through the thread pool instead, so a cold disk or
 * network storage does not block the process. After `retryAfterMillis` it
 * tries one read on the calling thread again: a fast one switches back, a
 * slow one doubles the wait before the next try (up to 64 times
 * `retryAfterMillis`).
 *
 * @since 0.1.0
 * @category models
 */
export interface AdaptiveReadOptions {
  /** The moving average of a synchronous read above which reads go to the thread pool, in microseconds (default 50). */
  readonly slowReadMicros?: number
  /** How long reads stay on the thread pool before one is tried synchronously again, in milliseconds (default 20). */
  readonly retryAfterMillis?: number
  /** The clock reads are timed with, in milliseconds (default `performance.now`); tests may pass their own. */
  readonly clock?: () => number
}

/**
 * A device over the file at `path`, starting at byte `offset` (default 0) of
 * the file, with positional reads and writes on one descriptor opened when
 * the layer is built and closed when its scope closes.
 *
 * - `create: true` creates a missing file, and extends a shorter one, to
 *   `offset + size` bytes; a longer file is never truncated. Without it the
 *   file must exist.
 * - `size` defaults to the file size minus `offset`. A size past the end of
 *   an existing file is allowed: reads there return zeros, writes extend it.
 * - `readOnly: true` opens the file read-only (it must exist; not with
 *   `create`): every in-range write fails with `IoError("write")` saying the
 *   device is read-only, and `flush` does nothing.
 * - Reads are adaptive by default: on the calling thread (`fs.readSync`)
 *   while such reads are fast, as they are for pages the OS has cached (a
 *   volume's lookup that misses its page cache then completes without
 *   waiting), and through libuv's thread pool while they are slow (a cold
 *   disk, network storage), retrying the calling thread now and then;
 *   `adaptiveReads` tunes the switch (see {@link AdaptiveReadOptions}).
 * - `syncReads: true` (an opt-in) always reads with `fs.readSync` on the
 *   calling thread: each read blocks the whole process until the disk
 *   answers, so use it only for fast local storage. `syncReads: false`
 *   always reads through libuv's thread pool.
 * - `syncWrites: true` (an opt-in, off by default) writes with
 *   `fs.writeSync` on the calling thread: a write then only copies into the
 *   OS's page cache, with no thread round trip, and only `flush` waits for
 *   the disk (it stays asynchronous). A write can still block the process
 *   when the OS throttles writers of a slow disk, so as with `syncReads`,
 *   use it only for fast local storage.
 *
 * Fails with `InvalidArgument` for a negative or fractional `size` or
 * `offset`, `adaptiveReads` values out of range, an `offset` past the end of the file when `size` is not given,
 * or `create` without `size` for a missing file; with `IoError("open")`
 * (naming the path and the OS error code) when the file cannot be opened.
 * Each read, write and flush (`fdatasync`) that the OS fails is an
 * `IoError` naming the path, the device offset, the length and the code.
 *
 * @example
 * const device = BlockDevice.layerFile("/var/lib/uds/volume", { create: true, size: geometry.bytesPerVolume })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (
  path: string,
  options?: FileOptions
): Layer.Layer<BlockDevice, IoError | InvalidArgument> => Layer.scoped(BlockDevice, makeFileDevice(path, options))

/**
 * A device operation a fault can target.
 *
 * @since 0.1.0
 * @category models
 */
export type Operation = "read" | "write" | "flush"

/**
 * Which operations a fault applies to.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultTarget {
  /** The operation or operations affected. */
  readonly operation: Operation | ReadonlyArray<Operation>
  /**
   * Only operations whose `(offset, length)` satisfy this (default: all).
   * A flush is seen as `(0, size)`. See `overlaps` for a byte-range test.
   */
  readonly when?: (offset: number, length: number) => boolean
}

/**
 * A failure rule for `FaultControlService.fail`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailOptions extends FaultTarget {
  /** Let this many matching operations succeed before failing any (default 0). */
  readonly after?: number
  /** Fail this many matching operations, then disarm (default: every one until `clear`). */
  readonly times?: number
}

/**
 * A latency rule for `FaultControlService.delay`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DelayOptions extends FaultTarget {
  /** How long each matching operation sleeps before it runs. */
  readonly duration: Duration.DurationInput
}

/**
 * A corruption rule for `FaultControlService.corrupt`; it applies to reads only.
 *
 * @since 0.1.0
 * @category models
 */
export interface CorruptOptions {
  /** Only reads whose `(offset, length)` satisfy this (default: all). */
  readonly when?: (offset: number, length: number) => boolean
  /** Mutates the bytes returned (a copy; the device is untouched); `offset` is where they start on the device. */
  readonly mutate?: (bytes: Uint8Array, offset: number) => void
  /**
   * Device bit offsets to flip in every read that covers them: bit `b` is
   * bit `b % 8` (least significant first) of device byte `floor(b / 8)`.
   */
  readonly flipBits?: ReadonlyArray<number>
}

/**
 * Operations a faulty device has seen (out-of-range calls are not counted).
 *
 * @since 0.1.0
 * @category models
 */
export interface OperationCounts {
  readonly reads: number
  readonly writes: number
  readonly flushes: number
}

/**
 * Controls of a `layerFaulty` device. Every change applies to operations that start afterwards.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultControlService {
  /**
   * Fails matching operations with an `IoError` whose message says it was
   * injected. Each rule counts the operations it matches on its own;
   * an operation fails when any rule says so.
   *
   * @example
   * control.fail({ operation: "read", times: 3 })                      // the next 3 reads
   * control.fail({ operation: "write", after: 10 })                    // every write after the 10th
   * control.fail({ operation: "read", when: BlockDevice.overlaps(a, b) }) // reads touching [a, b)
   */
  readonly fail: (options: FailOptions) => Effect.Effect<void>
  /** Adds latency: each matching operation sleeps `duration` first (several matching rules add up). */
  readonly delay: (options: DelayOptions) => Effect.Effect<void>
  /**
   * Makes matching operations wait, interruptibly, until `release`; with no
   * argument every read, write and flush hangs.
   */
  readonly hang: (target?: FaultTarget) => Effect.Effect<void>
  /** Lets every hanging operation go on and disarms every `hang`. */
  readonly release: Effect.Effect<void>
  /** How many operations are hanging right now. */
  readonly hanging: Effect.Effect<number>
  /** Corrupts the bytes that matching reads return. */
  readonly corrupt: (options: CorruptOptions) => Effect.Effect<void>
  /** Disarms every fault (releasing hung operations); the counts are kept. */
  readonly clear: Effect.Effect<void>
  /** The operations seen so far. */
  readonly counts: Effect.Effect<OperationCounts>
  /** Sets the counts back to zero. */
  readonly resetCounts: Effect.Effect<void>
}

/**
 * The controls of a `layerFaulty` device: arm and disarm faults, read the operation counts.
 *
 * @since 0.1.0
 * @category tags
 */
export class FaultControl extends Context.Tag("@effect-uds/volume/BlockDevice/FaultControl")<
  FaultControl,
  FaultControlService
>() {}

/**
 * Wraps the `BlockDevice` provided beneath it in one that injects faults,
 * and provides both the wrapped device and its `FaultControl`. With no fault
 * armed it behaves exactly like the device beneath (and counts operations).
 * Injected failures are `IoError`s whose message says they were injected;
 * out-of-range accesses are still `InvalidArgument`.
 *
 * @example
 * const device = BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ size: 1 << 20 })))
 * // device: Layer<BlockDevice | FaultControl>
 * Effect.gen(function*() {
 *   const control = yield* BlockDevice.FaultControl
 *   yield* control.fail({ operation: "read", times: 3 })
 * }).pipe(Effect.provide(device))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFaulty: Layer.Layer<BlockDevice | FaultControl, never, BlockDevice> = Layer.effectContext(
  Effect.map(BlockDevice, (inner) => {
    const { control, device } = makeFaultyDevice(inner)
    return Context.make(BlockDevice, device).pipe(Context.add(FaultControl, control))
  })
)

/**
 * How much of the unflushed writes reach the device in a simulated crash.
 *
 * @since 0.1.0
 * @category models
 */
export interface CrashOptions {
  /** Apply the first `keep` unflushed writes, in order (default 0). */
  readonly keep?: number
  /** Also apply the first `tornBytes` bytes of the write after those (clamped to its length). */
  readonly tornBytes?: number
}

/**
 * Controls of a `layerCrashable` device.
 *
 * @since 0.1.0
 * @category models
 */
export interface CrashControlService {
  /** How many writes are held, not yet flushed. */
  readonly pending: Effect.Effect<number>
  /**
   * Simulates a crash: every unflushed write is dropped, except that the
   * first `keep` are applied to the device beneath, and the first
   * `tornBytes` bytes of the next one. The device then keeps working; later
   * writes are held again. Waits for a flush in progress to finish first.
   * Fails with `InvalidArgument` for a `keep` or `tornBytes` that is not a
   * non-negative safe integer, and with the device's `IoError` if applying
   * the kept writes fails.
   */
  readonly crash: (options?: CrashOptions) => Effect.Effect<void, IoError | InvalidArgument>
}

/**
 * The controls of a `layerCrashable` device: simulate a crash, count unflushed writes.
 *
 * @since 0.1.0
 * @category tags
 */
export class CrashControl extends Context.Tag("@effect-uds/volume/BlockDevice/CrashControl")<
  CrashControl,
  CrashControlService
>() {}

/**
 * Wraps the `BlockDevice` provided beneath it in one that behaves like a
 * volatile write cache over it, and provides both the wrapped device and its
 * `CrashControl`. Writes are held in memory until `flush`; reads see them
 * laid over the device beneath, as through a page cache; `flush` applies
 * them to the device beneath in order, then flushes it; `crash` drops
 * whatever is not flushed, optionally tearing it.
 *
 * @example
 * // A crashable device whose device beneath can also be made to fail:
 * const device = BlockDevice.layerCrashable.pipe(
 *   Layer.provideMerge(BlockDevice.layerFaulty),
 *   Layer.provide(BlockDevice.layerMemory({ size: 1 << 20 }))
 * ) // Layer<BlockDevice | CrashControl | FaultControl>, BlockDevice being the crashable one
 * Effect.gen(function*() {
 *   const device = yield* BlockDevice.BlockDevice
 *   yield* device.write(0, bytes)
 *   yield* (yield* BlockDevice.CrashControl).crash({ keep: 0 }) // the write is gone
 * }).pipe(Effect.provide(device))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCrashable: Layer.Layer<BlockDevice | CrashControl, never, BlockDevice> = Layer.effectContext(
  Effect.flatMap(BlockDevice, (inner) =>
    Effect.map(makeCrashableDevice(inner), ({ control, device }) =>
      Context.make(BlockDevice, device).pipe(Context.add(CrashControl, control))))
)
