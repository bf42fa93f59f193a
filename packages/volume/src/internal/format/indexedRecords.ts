/**
 * The records of a chapter that go into its index when some positions are
 * left out (the fill copies that collation puts where a zone had no record,
 * or where a record was deleted: open-chapter.md §7). The kept records are
 * copied, in arrival order, into one reused buffer with the record page each
 * came from, so the chapter index is built from them alone.
 *
 * @internal
 */
import { BYTES_PER_RECORD, type Geometry } from "../../Geometry.js"

/** The records to index, how many, and the record page of each. */
export interface IndexedRecords {
  readonly source: Uint8Array
  readonly count: number
  readonly pages: Uint16Array
}

let sourceBuffer = new Uint8Array(0)
let pagesBuffer = new Uint16Array(0)

/**
 * Records i of `records` with `indexed[i] !== 0`, for i below `count`. The
 * result is valid until the next call (everything here is synchronous).
 */
export const selectIndexed = (
  geometry: Geometry,
  records: Uint8Array,
  count: number,
  indexed: Uint8Array
): IndexedRecords => {
  if (sourceBuffer.length < count * BYTES_PER_RECORD) sourceBuffer = new Uint8Array(count * BYTES_PER_RECORD)
  if (pagesBuffer.length < count) pagesBuffer = new Uint16Array(count)
  const { recordsPerPage } = geometry
  let kept = 0
  for (let i = 0; i < count; i++) {
    if (indexed[i] === 0) continue
    sourceBuffer.set(records.subarray(i * BYTES_PER_RECORD, (i + 1) * BYTES_PER_RECORD), kept * BYTES_PER_RECORD)
    pagesBuffer[kept++] = Math.floor(i / recordsPerPage)
  }
  return { source: sourceBuffer.subarray(0, kept * BYTES_PER_RECORD), count: kept, pages: pagesBuffer.subarray(0, kept) }
}
