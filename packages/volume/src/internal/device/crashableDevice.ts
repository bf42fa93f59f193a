/**
 * A block device wrapper that simulates a power loss: writes stay in a
 * volatile cache until flushed, and a crash drops (or tears) them.
 *
 * @internal
 */
import { Effect } from "effect"
import type { CrashControlService, Service } from "../../BlockDevice.js"
import { InvalidArgument, IoError } from "../../VolumeError.js"
import { describeValue } from "../volume/volumeInput.js"
import { bytesRangeError, countError, readFresh, readIntoAny } from "./deviceAccess.js"

interface HeldWrite {
  readonly offset: number
  readonly data: Uint8Array
}

// Copies the part of each held write that falls in [offset, offset + target.length) over target, in order.
const overlay = (held: ReadonlyArray<HeldWrite>, offset: number, target: Uint8Array): void => {
  const end = offset + target.length
  for (const write of held) {
    const start = Math.max(offset, write.offset)
    const stop = Math.min(end, write.offset + write.data.length)
    if (start < stop) target.set(write.data.subarray(start - write.offset, stop - write.offset), start - offset)
  }
}

// The range was checked against the same size, so the device beneath cannot refuse it.
const orDieOnInvalid = <A>(effect: Effect.Effect<A, IoError | InvalidArgument>): Effect.Effect<A, IoError> =>
  Effect.catchTag(effect, "InvalidArgument", (error) => Effect.die(error))

/** Wraps `device` so that writes are held until `flush` and a crash can drop them. */
export const makeCrashableDevice = (
  device: Service
): Effect.Effect<{ device: Service; control: CrashControlService }> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    const size = device.size
    const held: Array<HeldWrite> = []

    // Applies the first `count` held writes, each dropped from `held` once it has landed,
    // so a read at any moment finds it either in `held` or on the device.
    const applyHeld = (count: number): Effect.Effect<void, IoError> =>
      Effect.forEach(
        Array.from({ length: count }),
        () =>
          Effect.suspend(() => {
            const write = held[0]!
            return Effect.map(orDieOnInvalid(device.write(write.offset, write.data)), () => void held.shift())
          }),
        { discard: true }
      )

    // Reads the device, then lays the writes held when the read started over it.
    const readInto = (offset: number, target: Uint8Array): Effect.Effect<void, IoError | InvalidArgument> => {
      const bad = bytesRangeError(size, "read", offset, target)
      if (bad !== undefined) return Effect.fail(bad)
      return Effect.suspend(() => {
        const snapshot = held.slice()
        return Effect.map(readIntoAny(device, offset, target), () => overlay(snapshot, offset, target))
      })
    }

    const wrapped: Service = {
      size,
      read: readFresh(size, readInto),
      readInto,
      write: (offset, data) => {
        const bad = bytesRangeError(size, "write", offset, data)
        if (bad !== undefined) return Effect.fail(bad)
        return Effect.sync(() => void held.push({ offset, data: data.slice() }))
      },
      // Only the writes held when the flush starts are its business; later ones wait for the next flush.
      flush: lock.withPermits(1)(
        Effect.zipRight(Effect.suspend(() => applyHeld(held.length)), device.flush)
      )
    }

    const control: CrashControlService = {
      pending: Effect.sync(() => held.length),
      crash: (options = {}) => {
        if (typeof options !== "object" || options === null) {
          return Effect.fail(new InvalidArgument({
            message: `crash options must be an object or omitted, got ${describeValue(options)}`
          }))
        }
        const bad = countError("keep", options.keep) ?? countError("tornBytes", options.tornBytes)
        if (bad !== undefined) return Effect.fail(bad)
        return lock.withPermits(1)(Effect.suspend(() => {
          const count = held.length
          const keep = Math.min(options.keep ?? 0, count)
          const torn = options.tornBytes === undefined ? undefined : held[keep]
          const tear = torn === undefined
            ? Effect.void
            : orDieOnInvalid(device.write(torn.offset, torn.data.subarray(0, options.tornBytes)))
          return applyHeld(keep).pipe(
            Effect.zipRight(tear),
            Effect.map(() => void held.splice(0, count - keep))
          )
        }))
      }
    }
    return { device: wrapped, control }
  })
