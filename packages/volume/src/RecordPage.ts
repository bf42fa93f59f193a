/**
 * Record pages (record-page.md): one page holds `recordsPerPage` records of
 * 32 bytes (16-byte name, 16-byte data), sorted by name and laid out as an
 * implicit binary search tree in heap order. Pure, synchronous codecs.
 *
 * Bad input: `encode` and `search` check theirs and throw the
 * `InvalidArgument` saying what was wrong (never another error);
 * {@link encodeEither} and {@link searchEither} return it instead, for
 * callers that must not throw. `encodeInto` and `findSlot` are the unchecked
 * hot-path primitives: they take Uint8Arrays and trust the caller for the
 * records' length ({@link validateRecords}); a name of another length is
 * compared as if zero-padded or cut to 16 bytes. Page bytes themselves may
 * be anything: a search over a corrupt or short page never throws and never
 * reads outside it.
 *
 * @since 0.1.0
 */
import { Either, Option } from "effect"
import { BYTES_PER_RECORD, NAME_SIZE, type Geometry } from "./Geometry.js"
import { slotOfRank } from "./internal/format/heapOrder.js"
import { sortByName, wordAt } from "./internal/format/nameSort.js"
import { InvalidArgument } from "./VolumeError.js"
import { checkName, describeValue } from "./internal/volume/volumeInput.js"

/**
 * `InvalidArgument` when `records` is not exactly one page of records
 * (`recordsPerPage` × 32 bytes), otherwise `undefined`.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateRecords = (geometry: Geometry, records: Uint8Array): InvalidArgument | undefined =>
  records instanceof Uint8Array && records.length === geometry.recordsPerPage * BYTES_PER_RECORD
    ? undefined
    : new InvalidArgument({
      message: `RecordPage: a page takes exactly ${geometry.recordsPerPage} records ` +
        `(${geometry.recordsPerPage * BYTES_PER_RECORD} bytes), got ` +
        describeValue(records)
    })

/**
 * `InvalidArgument` when `name` is not a Uint8Array of 16 bytes, otherwise `undefined` (the volume's own check).
 *
 * @since 0.1.0
 * @category validation
 */
export const validateName: (name: Uint8Array) => InvalidArgument | undefined = checkName

// Copies 32-byte records with 4-byte word moves when both sides are aligned.
const copyRecords = (
  records: Uint8Array,
  recordsOffset: number,
  out: Uint8Array,
  outOffset: number,
  order: Uint16Array,
  slots: Uint16Array,
  n: number
): void => {
  const from = records.byteOffset + recordsOffset
  const to = out.byteOffset + outOffset
  if ((from & 3) === 0 && (to & 3) === 0) {
    const source = new Int32Array(records.buffer, from, n * 8)
    const target = new Int32Array(out.buffer, to, n * 8)
    for (let rank = 0; rank < n; rank++) {
      const s = order[rank]! << 3
      const t = slots[rank]! << 3
      target[t] = source[s]!
      target[t + 1] = source[s + 1]!
      target[t + 2] = source[s + 2]!
      target[t + 3] = source[s + 3]!
      target[t + 4] = source[s + 4]!
      target[t + 5] = source[s + 5]!
      target[t + 6] = source[s + 6]!
      target[t + 7] = source[s + 7]!
    }
    return
  }
  for (let rank = 0; rank < n; rank++) {
    const s = recordsOffset + (order[rank]! << 5)
    const t = outOffset + (slots[rank]! << 5)
    for (let b = 0; b < BYTES_PER_RECORD; b++) out[t + b] = records[s + b]!
  }
}

/**
 * Encodes the `recordsPerPage` records packed at `records[recordsOffset ..]`
 * (any order) as one page written to `out[outOffset ..]`, without allocating
 * beyond shared scratch. Writes only the record slots (recordsPerPage × 32
 * bytes); a page tail that is not a whole record is left as it was.
 * Precondition: both ranges lie inside their arrays.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeInto = (
  geometry: Geometry,
  records: Uint8Array,
  recordsOffset: number,
  out: Uint8Array,
  outOffset: number
): void => {
  const n = geometry.recordsPerPage
  const order = sortByName(records, recordsOffset, n)
  copyRecords(records, recordsOffset, out, outOffset, order, slotOfRank(n), n)
}

/**
 * Encodes exactly `recordsPerPage` records (32 bytes each, any order) as one
 * new page of `bytesPerPage` bytes (a tail that is not a whole record is
 * zero). Throws the `InvalidArgument` of {@link validateRecords} if
 * `records` is not one page of records: that is a caller bug, so check
 * first or use {@link encodeEither}.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (geometry: Geometry, records: Uint8Array): Uint8Array => {
  const invalid = validateRecords(geometry, records)
  if (invalid !== undefined) throw invalid
  const page = new Uint8Array(geometry.bytesPerPage)
  encodeInto(geometry, records, 0, page, 0)
  return page
}

/**
 * {@link encode}, failing with `InvalidArgument` instead of throwing on a wrong records length.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeEither = (geometry: Geometry, records: Uint8Array): Either.Either<Uint8Array, InvalidArgument> => {
  const invalid = validateRecords(geometry, records)
  return invalid === undefined ? Either.right(encode(geometry, records)) : Either.left(invalid)
}

/**
 * The slot holding `name` in a page of `recordsPerPage` records, by the tree
 * walk of record-page.md §5, or -1. Slots past the end of a short page count
 * as absent. A name shorter than 16 bytes compares as if zero-padded; bytes
 * past 16 are ignored.
 *
 * @since 0.1.0
 * @category search
 */
export const findSlot = (page: Uint8Array, name: Uint8Array, recordsPerPage: number): number => {
  const n = Math.min(recordsPerPage, page.length >>> 5)
  const n0 = wordAt(name, 0)
  const n1 = wordAt(name, 4)
  const n2 = wordAt(name, 8)
  const n3 = wordAt(name, 12)
  let k = 0
  while (k < n) {
    const o = k << 5
    // Find the first differing word; `theirs` is the page's word there.
    let ours = n0
    let theirs = wordAt(page, o)
    if (ours === theirs) {
      ours = n1
      theirs = wordAt(page, o + 4)
      if (ours === theirs) {
        ours = n2
        theirs = wordAt(page, o + 8)
        if (ours === theirs) {
          ours = n3
          theirs = wordAt(page, o + 12)
          if (ours === theirs) return k
        }
      }
    }
    k = ours < theirs ? 2 * k + 1 : 2 * k + 2
  }
  return -1
}

// The InvalidArgument for a search's page or name, or undefined when both are usable.
const searchInputError = (page: Uint8Array, name: Uint8Array): InvalidArgument | undefined =>
  validateName(name) ?? (page instanceof Uint8Array ? undefined : new InvalidArgument({
    message: `RecordPage.search: the page must be a Uint8Array, got ${describeValue(page)}`
  }))

/**
 * The 16 data bytes of the record named `name` in `page`, as a copy (never a
 * view of the page), or `undefined` when the page has no such record.
 * Whatever the page holds, it throws only the `InvalidArgument` for a name
 * that is not a Uint8Array of 16 bytes or a page that is not a Uint8Array;
 * {@link searchEither} returns that instead.
 *
 * @since 0.1.0
 * @category search
 */
export const search = (geometry: Geometry, page: Uint8Array, name: Uint8Array): Uint8Array | undefined => {
  const invalid = searchInputError(page, name)
  if (invalid !== undefined) throw invalid
  const slot = findSlot(page, name, geometry.recordsPerPage)
  if (slot < 0) return undefined
  const data = (slot << 5) + NAME_SIZE
  return page.slice(data, data + 16)
}

/**
 * {@link search}, returning its `InvalidArgument` instead of throwing it; `Option.none()` when the name is absent.
 *
 * @since 0.1.0
 * @category search
 */
export const searchEither = (
  geometry: Geometry,
  page: Uint8Array,
  name: Uint8Array
): Either.Either<Option.Option<Uint8Array>, InvalidArgument> => {
  const invalid = searchInputError(page, name)
  return invalid === undefined ? Either.right(Option.fromNullable(search(geometry, page, name))) : Either.left(invalid)
}
