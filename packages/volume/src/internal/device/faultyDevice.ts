/**
 * A block device wrapper that injects failures, latency, hangs and
 * corruption, armed and disarmed while it runs.
 *
 * @internal
 */
import { Deferred, type Duration, Effect } from "effect"
import type { Service } from "../../BlockDevice.js"
import { type InvalidArgument, IoError } from "../../VolumeError.js"
import { bytesRangeError, rangeError, readIntoAny } from "./deviceAccess.js"

/** A device operation a fault can target. */
export type Operation = "read" | "write" | "flush"

/** Which operations a fault applies to. */
export interface FaultTarget {
  /** The operation or operations affected. */
  readonly operation: Operation | ReadonlyArray<Operation>
  /**
   * Only operations whose `(offset, length)` satisfy this (default: all).
   * A flush is seen as `(0, size)`. See `overlaps` for a byte-range test.
   */
  readonly when?: (offset: number, length: number) => boolean
}

/** A failure rule for `FaultControlService.fail`. */
export interface FailOptions extends FaultTarget {
  /** Let this many matching operations succeed before failing any (default 0). */
  readonly after?: number
  /** Fail this many matching operations, then disarm (default: every one until `clear`). */
  readonly times?: number
}

/** A latency rule for `FaultControlService.delay`. */
export interface DelayOptions extends FaultTarget {
  /** How long each matching operation sleeps before it runs. */
  readonly duration: Duration.DurationInput
}

/** A corruption rule for `FaultControlService.corrupt`; it applies to reads only. */
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

/** Operations the wrapper has seen (out-of-range calls are not counted). */
export interface OperationCounts {
  readonly reads: number
  readonly writes: number
  readonly flushes: number
}

/** Controls of a `layerFaulty` device. Every change applies to operations that start afterwards. */
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

/** A `when` predicate: the access `[offset, offset + length)` overlaps bytes `[start, end)`. */
export const overlaps = (start: number, end: number) => (offset: number, length: number): boolean =>
  offset < end && start < offset + length && length > 0

interface Rule {
  readonly operations: ReadonlyArray<Operation>
  readonly when: ((offset: number, length: number) => boolean) | undefined
}
interface FailRule extends Rule {
  skip: number
  remaining: number
}
interface DelayRule extends Rule {
  readonly duration: Duration.DurationInput
}
interface HangRule extends Rule {
  readonly released: Deferred.Deferred<void>
}

const toRule = (target: FaultTarget): Rule => ({
  operations: typeof target.operation === "string" ? [target.operation] : target.operation,
  when: target.when
})

const matches = (rule: Rule, operation: Operation, offset: number, length: number): boolean =>
  rule.operations.includes(operation) && (rule.when === undefined || rule.when(offset, length))

const injected = (operation: Operation, offset: number, length: number): IoError =>
  new IoError({
    message: `injected ${operation} failure (BlockDevice.layerFaulty) for ${length} bytes at device offset ${offset}`,
    operation,
    offset
  })

/** Wraps `device` with faults driven by the returned control. */
export const makeFaultyDevice = (device: Service): { device: Service; control: FaultControlService } => {
  const size = device.size
  let failRules: Array<FailRule> = []
  let delayRules: Array<DelayRule> = []
  let hangRules: Array<HangRule> = []
  let corruptRules: Array<CorruptOptions> = []
  let hanging = 0
  let counts = { reads: 0, writes: 0, flushes: 0 }

  // Decides, when the operation starts, whether it fails: every rule sees every operation it matches.
  const shouldFail = (operation: Operation, offset: number, length: number): boolean => {
    let fail = false
    for (const rule of failRules) {
      if (!matches(rule, operation, offset, length)) continue
      if (rule.skip > 0) {
        rule.skip--
      } else if (rule.remaining > 0) {
        rule.remaining--
        fail = true
      }
    }
    failRules = failRules.filter((rule) => rule.remaining > 0)
    return fail
  }

  // Everything injected before an operation runs: counting, latency, hangs and failures.
  const before = (operation: Operation, offset: number, length: number): Effect.Effect<void, IoError> =>
    Effect.suspend(() => {
      if (operation === "read") counts.reads++
      else if (operation === "write") counts.writes++
      else counts.flushes++
      const fail = shouldFail(operation, offset, length)
      const delays = delayRules.filter((rule) => matches(rule, operation, offset, length))
      const hangs = hangRules.filter((rule) => matches(rule, operation, offset, length))
      if (!fail && delays.length === 0 && hangs.length === 0) return Effect.void
      return Effect.forEach(delays, (rule) => Effect.sleep(rule.duration), { discard: true }).pipe(
        Effect.zipRight(
          hangs.length === 0 ? Effect.void : Effect.acquireUseRelease(
            Effect.sync(() => hanging++),
            () => Effect.forEach(hangs, (rule) => Deferred.await(rule.released), { discard: true }),
            () => Effect.sync(() => hanging--)
          )
        ),
        Effect.zipRight(fail ? Effect.fail(injected(operation, offset, length)) : Effect.void)
      )
    })

  const corruptInPlace = (bytes: Uint8Array, offset: number): void => {
    for (const rule of corruptRules) {
      if (rule.when !== undefined && !rule.when(offset, bytes.length)) continue
      rule.mutate?.(bytes, offset)
      for (const bit of rule.flipBits ?? []) {
        const at = Math.floor(bit / 8) - offset
        if (at >= 0 && at < bytes.length) bytes[at]! ^= 1 << (bit & 7)
      }
    }
  }

  const readInto = (offset: number, target: Uint8Array): Effect.Effect<void, IoError | InvalidArgument> => {
    const bad = bytesRangeError(size, "read", offset, target)
    if (bad !== undefined) return Effect.fail(bad)
    return before("read", offset, target.length).pipe(
      Effect.zipRight(readIntoAny(device, offset, target)),
      Effect.map(() => {
        if (corruptRules.length > 0) corruptInPlace(target, offset)
      })
    )
  }

  const wrapped: Service = {
    size,
    read: (offset, length) => {
      const bad = rangeError(size, "read", offset, length)
      if (bad !== undefined) return Effect.fail(bad)
      return before("read", offset, length).pipe(
        Effect.zipRight(device.read(offset, length)),
        Effect.map((bytes) => {
          if (corruptRules.length === 0) return bytes
          // A device of the user's may hand out a view of its own storage: corrupt a copy.
          const copy = bytes.slice()
          corruptInPlace(copy, offset)
          return copy
        })
      )
    },
    readInto,
    write: (offset, data) => {
      const bad = bytesRangeError(size, "write", offset, data)
      if (bad !== undefined) return Effect.fail(bad)
      return Effect.zipRight(before("write", offset, data.length), device.write(offset, data))
    },
    flush: Effect.zipRight(before("flush", 0, size), device.flush)
  }

  const releaseAll = Effect.suspend(() => {
    const rules = hangRules
    hangRules = []
    return Effect.forEach(rules, (rule) => Deferred.succeed(rule.released, undefined), { discard: true })
  })

  const control: FaultControlService = {
    fail: (options) =>
      Effect.sync(() => {
        failRules.push({
          ...toRule(options),
          skip: options.after ?? 0,
          remaining: options.times ?? Number.POSITIVE_INFINITY
        })
      }),
    delay: (options) => Effect.sync(() => void delayRules.push({ ...toRule(options), duration: options.duration })),
    hang: (target = { operation: ["read", "write", "flush"] }) =>
      Effect.map(Deferred.make<void>(), (released) => void hangRules.push({ ...toRule(target), released })),
    release: releaseAll,
    hanging: Effect.sync(() => hanging),
    corrupt: (options) => Effect.sync(() => void corruptRules.push(options)),
    clear: Effect.zipRight(
      Effect.sync(() => {
        failRules = []
        delayRules = []
        corruptRules = []
      }),
      releaseAll
    ),
    counts: Effect.sync(() => ({ ...counts })),
    resetCounts: Effect.sync(() => {
      counts = { reads: 0, writes: 0, flushes: 0 }
    })
  }
  return { device: wrapped, control }
}
