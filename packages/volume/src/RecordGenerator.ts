/**
 * The deterministic record generator the golden vectors were made with
 * (SplitMix64): record k's name is two consecutive draws, its data is
 * le64(k) ‖ le64(virtual chapter). Shared by tests, benchmark and demo.
 *
 * @since 0.1.0
 */
import type { Geometry } from "./Geometry.js"

const MASK64 = (1n << 64n) - 1n
const GOLDEN = 0x9e3779b97f4a7c15n
const MIX1 = 0xbf58476d1ce4e5b9n
const MIX2 = 0x94d049bb133111ebn

/**
 * A SplitMix64 stream: each call of `next` returns the next u64.
 *
 * @since 0.1.0
 * @category models
 */
export interface SplitMix64 {
  readonly next: () => bigint
}

/**
 * A SplitMix64 stream whose state starts at `seed`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const splitMix64 = (seed: bigint | number): SplitMix64 => {
  let state = BigInt(seed) & MASK64
  return {
    next: () => {
      state = (state + GOLDEN) & MASK64
      let z = state
      z = ((z ^ (z >> 30n)) * MIX1) & MASK64
      z = ((z ^ (z >> 27n)) * MIX2) & MASK64
      return z ^ (z >> 31n)
    }
  }
}

/**
 * Writes the next two draws of `stream` as a 16-byte name at `offset` of `out`.
 *
 * @since 0.1.0
 * @category generators
 */
export const nextName = (stream: SplitMix64, out: Uint8Array, offset = 0): void => {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setBigUint64(offset, stream.next(), true)
  view.setBigUint64(offset + 8, stream.next(), true)
}

/**
 * Generates `count` consecutive records of a run that starts at record
 * `firstRecord` (the stream must be positioned there), each tagged with
 * `virtualChapter`, as one packed buffer of 32-byte records.
 *
 * @since 0.1.0
 * @category generators
 */
export const nextRecords = (
  stream: SplitMix64,
  firstRecord: number,
  count: number,
  virtualChapter: number
): Uint8Array => {
  const out = new Uint8Array(count * 32)
  const view = new DataView(out.buffer)
  for (let i = 0; i < count; i++) {
    nextName(stream, out, i * 32)
    view.setBigUint64(i * 32 + 16, BigInt(firstRecord + i), true)
    view.setBigUint64(i * 32 + 24, BigInt(virtualChapter), true)
  }
  return out
}

/**
 * The records of virtual chapters `first` .. `last` of a generator run with
 * `seed`, one packed buffer per chapter: chapter c holds records
 * c·R .. c·R + R − 1 (R = recordsPerChapter).
 *
 * @since 0.1.0
 * @category generators
 */
export const chapters = (
  geometry: Geometry,
  seed: bigint | number,
  first: number,
  last: number
): ReadonlyArray<Uint8Array> => {
  const perChapter = geometry.recordsPerChapter
  const stream = splitMix64(seed)
  for (let skip = 0; skip < first * perChapter * 2; skip++) stream.next()
  const result: Array<Uint8Array> = []
  for (let chapter = first; chapter <= last; chapter++) {
    result.push(nextRecords(stream, chapter * perChapter, perChapter, chapter))
  }
  return result
}

/**
 * Converts bytes to lowercase hex.
 *
 * @since 0.1.0
 * @category utils
 */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
