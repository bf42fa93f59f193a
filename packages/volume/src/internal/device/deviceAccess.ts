/**
 * Range checks and read helpers shared by every block device implementation.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Service } from "../../BlockDevice.js"
import { InvalidArgument, type IoError } from "../../VolumeError.js"
import { describeValue } from "../volume/volumeInput.js"

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/**
 * The `InvalidArgument` for an access of `length` bytes at `offset` on a
 * device of `size` bytes, or `undefined` when the access is in range.
 * Returning instead of failing keeps the in-range path free of allocation.
 */
export const rangeError = (
  size: number,
  operation: "read" | "write",
  offset: number,
  length: number
): InvalidArgument | undefined => {
  if (isCount(offset) && isCount(length) && offset + length <= size) return undefined
  return new InvalidArgument({
    message: `${operation} of ${describeValue(length)} bytes at offset ${describeValue(offset)} is out of range: ` +
      `offset and length must be non-negative integers with offset + length <= ${size} (the device size)`
  })
}

/**
 * {@link rangeError} for an access that moves `bytes` (a write's data, a
 * `readInto` target), first checking that `bytes` is a Uint8Array at all.
 */
export const bytesRangeError = (
  size: number,
  operation: "read" | "write",
  offset: number,
  bytes: Uint8Array
): InvalidArgument | undefined =>
  bytes instanceof Uint8Array
    ? rangeError(size, operation, offset, bytes.length)
    : new InvalidArgument({
      message: `${operation} needs a Uint8Array of bytes, got ${describeValue(bytes)}`
    })

/** The `InvalidArgument` for a size or offset option that is not a non-negative safe integer. */
export const countError = (name: string, value: number | undefined): InvalidArgument | undefined =>
  value === undefined || isCount(value)
    ? undefined
    : new InvalidArgument({
      message: `${name} must be a non-negative safe integer, got ${describeValue(value)}`
    })

/**
 * A `read` for a device of `size` bytes built on its unchecked `readInto`:
 * checks the range, then reads into a new array.
 */
export const readFresh = <E>(
  size: number,
  readIntoUnchecked: (offset: number, target: Uint8Array) => Effect.Effect<void, E>
) =>
(offset: number, length: number): Effect.Effect<Uint8Array, E | InvalidArgument> => {
  const bad = rangeError(size, "read", offset, length)
  if (bad !== undefined) return Effect.fail(bad)
  return Effect.suspend(() => {
    const target = new Uint8Array(length)
    return Effect.as(readIntoUnchecked(offset, target), target)
  })
}

/** Reads into `target` with the device's `readInto` when it has one, else with `read` and a copy. */
export const readIntoAny = (
  device: Service,
  offset: number,
  target: Uint8Array
): Effect.Effect<void, IoError | InvalidArgument> => {
  // A device of the user's may not check its arguments: check the range here.
  const bad = bytesRangeError(device.size, "read", offset, target)
  if (bad !== undefined) return Effect.fail(bad)
  return device.readInto !== undefined
    ? device.readInto(offset, target)
    : Effect.map(device.read(offset, target.length), (bytes) => target.set(bytes))
}
