/**
 * Saves a volume index in the reference's format (volume-index.md §6): one
 * byte stream per zone, headers first, then every non-empty list as the
 * bytes of its extent in the zone's memory with its bit offset, then the
 * guard. Pure: returns the streams.
 *
 * @internal
 */
import {
  DI_BYTES,
  DI_MAGIC,
  GUARD_BYTES,
  GUARD_TAG,
  LIST_HEADER_BYTES,
  MI5_BYTES,
  MI5_MAGIC,
  MI6_BYTES,
  MI6_MAGIC
} from "./savedFormat.js"
import type { SubIndex } from "./subIndex.js"
import type { VolumeIndexState } from "./volumeIndex.js"

// A chapter or counter (a safe integer) as a little-endian u64, without a BigInt in the usual case. A zone's
// counter can be negative after a load gave zone 0 the totals; it wraps as the reference's u64 does.
const setU64 = (view: DataView, at: number, value: number): void => {
  if (value < 0) {
    view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true)
    return
  }
  const high = Math.floor(value / 2 ** 32)
  view.setUint32(at, value - high * 2 ** 32, true)
  view.setUint32(at + 4, high, true)
}

const writeAscii = (bytes: Uint8Array, at: number, text: string): void => {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i)
}

// Bytes of zone z's headers and of its list records in one sub-index.
const headerBytes = (sub: SubIndex, z: number): number => {
  const n = sub.zones[z]!.listCount
  return MI5_BYTES + 8 * n + DI_BYTES + 2 * n
}

// The bytes of a list's extent from its start bit and size, without a float remainder (a call to fmod).
const extentBytes = (start: number, size: number): number => (start - Math.floor(start / 8) * 8 + size + 7) >>> 3

const listBytes = (sub: SubIndex, z: number): number => {
  const zone = sub.zones[z]!
  let bytes = 0
  for (let d = 1; d <= zone.listCount; d++) {
    const size = zone.size(d)
    if (size > 0) bytes += LIST_HEADER_BYTES + extentBytes(zone.start(d), size)
  }
  return bytes
}

const writeHeaders = (view: DataView, at: number, sub: SubIndex, z: number, nonce: bigint): number => {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  const zone = sub.zones[z]!
  const n = zone.listCount
  const first = z * sub.sizing.listsPerZone
  writeAscii(bytes, at, MI5_MAGIC)
  view.setBigUint64(at + 8, BigInt.asUintN(64, nonce), true)
  setU64(view, at + 16, sub.low[z]!)
  setU64(view, at + 24, sub.high[z]!)
  view.setUint32(at + 32, first, true)
  view.setUint32(at + 36, n, true)
  at += MI5_BYTES
  for (let i = 0; i < n; i++, at += 8) setU64(view, at, zone.flushChapter(i + 1))
  writeAscii(bytes, at, DI_MAGIC)
  view.setUint32(at + 8, z, true)
  view.setUint32(at + 12, sub.zones.length, true)
  view.setUint32(at + 16, first, true)
  view.setUint32(at + 20, n, true)
  setU64(view, at + 24, zone.recordCount)
  setU64(view, at + 32, zone.collisionCount)
  at += DI_BYTES
  for (let d = 1; d <= n; d++, at += 2) view.setUint16(at, zone.size(d), true)
  return at
}

const writeLists = (view: DataView, at: number, sub: SubIndex, z: number): number => {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  const zone = sub.zones[z]!
  const first = z * sub.sizing.listsPerZone
  const tag = sub.sizing.tag
  const memory = zone.bytes
  for (let d = 1; d <= zone.listCount; d++) {
    const size = zone.size(d)
    if (size === 0) continue
    const start = zone.start(d)
    const from = Math.floor(start / 8)
    const phase = start - from * 8
    const length = (phase + size + 7) >>> 3
    const list = first + d - 1
    bytes[at] = tag
    bytes[at + 1] = phase
    bytes[at + 2] = length
    bytes[at + 3] = length >>> 8
    bytes[at + 4] = list
    bytes[at + 5] = list >>> 8
    bytes[at + 6] = list >>> 16
    bytes[at + 7] = list >>> 24
    const to = at + LIST_HEADER_BYTES
    // Most lists are a few dozen bytes: a loop beats a subarray and a native copy.
    if (length > 64) bytes.set(memory.subarray(from, from + length), to)
    else for (let k = 0; k < length; k++) bytes[to + k] = memory[from + k]!
    at += LIST_HEADER_BYTES + length
  }
  return at
}

/** The streams of every zone of `index`, stamped with the volume nonce `nonce`. */
export const saveStreams = (index: VolumeIndexState, nonce: bigint): Array<Uint8Array> => {
  const subs = index.subIndexes
  const sparse = index.hook !== undefined
  const streams: Array<Uint8Array> = []
  for (let z = 0; z < index.sizing.zoneCount; z++) {
    let length = (sparse ? MI6_BYTES : 0) + GUARD_BYTES
    for (const sub of subs) length += headerBytes(sub, z) + listBytes(sub, z)
    const stream = new Uint8Array(length)
    const view = new DataView(stream.buffer)
    let at = 0
    if (sparse) {
      writeAscii(stream, 0, MI6_MAGIC)
      view.setUint32(8, index.sizing.sampleRate, true)
      at = MI6_BYTES
    }
    for (const sub of subs) at = writeHeaders(view, at, sub, z, nonce)
    for (const sub of subs) at = writeLists(view, at, sub, z)
    stream[at] = GUARD_TAG
    streams.push(stream)
  }
  return streams
}
