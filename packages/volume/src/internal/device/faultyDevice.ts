/**
 * A block device wrapper that injects failures, latency, hangs and
 * corruption, armed and disarmed while it runs.
 *
 * @internal
 */
import { Deferred, type Duration, Effect } from "effect"
import type { CorruptOptions, FaultControlService, FaultTarget, Operation, Service } from "../../BlockDevice.js"
import { type InvalidArgument, IoError } from "../../VolumeError.js"
import { bytesRangeError, rangeError, readIntoAny } from "./deviceAccess.js"

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
