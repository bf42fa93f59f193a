/**
 * Where a block was read, as the 16 data bytes `dedup` posts with its name:
 * the file's number in the walk (u64 little-endian) and the block's byte
 * offset in that file (u64 little-endian).
 *
 * @since 0.1.0
 */

/** A block's file number and byte offset. */
export interface Location {
  readonly file: number
  readonly offset: number
}

/** The 16 data bytes of a location. */
export const packLocation = (file: number, offset: number): Uint8Array => {
  const data = new Uint8Array(16)
  const view = new DataView(data.buffer)
  view.setBigUint64(0, BigInt(file), true)
  view.setBigUint64(8, BigInt(offset), true)
  return data
}

/** The location in 16 data bytes (numbers beyond 2^53 come back rounded; a walk never makes them). */
export const unpackLocation = (data: Uint8Array): Location => {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  return { file: Number(view.getBigUint64(0, true)), offset: Number(view.getBigUint64(8, true)) }
}
