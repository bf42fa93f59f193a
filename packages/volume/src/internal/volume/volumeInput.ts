// Checks of caller input to the volume; each returns the InvalidArgument to fail with, or undefined.
import { type Geometry, NAME_SIZE } from "../../Geometry.js"
import { InvalidArgument } from "../../VolumeError.js"

/** A record name must be a Uint8Array of 16 bytes. */
export const checkName = (name: Uint8Array): InvalidArgument | undefined =>
  name instanceof Uint8Array && name.length === NAME_SIZE
    ? undefined
    : new InvalidArgument({
      message: `a record name must be a Uint8Array of ${NAME_SIZE} bytes, got ${describe(name)}`
    })

/** A virtual chapter number must be a non-negative safe integer. */
export const checkVirtualChapter = (virtualChapter: number): InvalidArgument | undefined =>
  Number.isSafeInteger(virtualChapter) && virtualChapter >= 0
    ? undefined
    : new InvalidArgument({
      message: `a virtual chapter must be a non-negative integer, got ${describeValue(virtualChapter)}`
    })

/** A chapter's records: 1 to recordsPerChapter packed 32-byte records. */
export const checkRecords = (geometry: Geometry, records: Uint8Array): InvalidArgument | undefined => {
  if (!(records instanceof Uint8Array)) {
    return new InvalidArgument({ message: `records must be a Uint8Array of packed 32-byte records, got ${describe(records)}` })
  }
  const limit = geometry.recordsPerChapter * 32
  if (records.length === 0 || records.length % 32 !== 0 || records.length > limit) {
    return new InvalidArgument({
      message: `records must be 1 to ${geometry.recordsPerChapter} packed 32-byte records ` +
        `(a multiple of 32 bytes up to ${limit}), got ${records.length} bytes`
    })
  }
  return undefined
}

/**
 * A caller's value as an error message shows it: a Uint8Array by its length,
 * numbers and bigints as written, a short string quoted, anything else by its type.
 */
export const describeValue = (value: unknown): string =>
  value instanceof Uint8Array
    ? `${value.length} bytes`
    : typeof value === "number" || typeof value === "bigint"
    ? String(value)
    : typeof value === "string"
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    : value === null
    ? "null"
    : Array.isArray(value)
    ? "an array"
    : typeof value

const describe = describeValue

/** An index from 0 to `count` − 1, named `what` in the message. */
export const checkIndex = (what: string, value: number, count: number): InvalidArgument | undefined =>
  Number.isSafeInteger(value) && value >= 0 && value < count
    ? undefined
    : new InvalidArgument({ message: `${what} must be an integer from 0 to ${count - 1}, got ${describeValue(value)}` })

/** The optional indexed mask of a chapter write: one byte per record given, or the InvalidArgument. */
export const checkIndexedMask = (records: Uint8Array, indexed: Uint8Array | undefined): InvalidArgument | undefined =>
  indexed === undefined || (indexed instanceof Uint8Array && indexed.length === records.length / 32)
    ? undefined
    : new InvalidArgument({
      message: `indexed must be a Uint8Array of one byte per record (${records.length / 32}), got ${describe(indexed)}`
    })
