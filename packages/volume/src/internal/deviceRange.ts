/**
 * Range checks shared by every block device implementation.
 *
 * @internal
 */
import { InvalidArgument } from "../VolumeError.js"

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
    message: `${operation} of ${length} bytes at offset ${offset} is out of range: ` +
      `offset and length must be non-negative integers with offset + length <= ${size} (the device size)`
  })
}

/** The `InvalidArgument` for a size or offset option that is not a non-negative safe integer. */
export const countError = (name: string, value: number | undefined): InvalidArgument | undefined =>
  value === undefined || isCount(value)
    ? undefined
    : new InvalidArgument({ message: `${name} must be a non-negative safe integer, got ${value}` })
