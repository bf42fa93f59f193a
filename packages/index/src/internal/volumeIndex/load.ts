/**
 * Loads a volume index saved in the reference's format (volume-index.md
 * §6.5) from the streams of a save slot, whatever zone count saved them:
 * lists are given to the loading index's zones by number, laid out as the
 * reference lays them out after a load (Appendix A: reset, then rebalance),
 * and their bits copied in. Every check of §6.5 is made, and the stricter
 * ones it recommends: each non-empty list arrives exactly once, list ranges
 * are contiguous and inside the index. Never throws: a bad stream gives the
 * reason as a string.
 *
 * @internal
 */
import type { DeltaZone } from "../delta/deltaZone.js"
import { OK } from "../delta/status.js"
import { placeBits } from "./placeBits.js"
import {
  DI_BYTES,
  DI_MAGIC,
  GUARD_BYTES,
  GUARD_TAG,
  LIST_HEADER_BYTES,
  MAX_LIST_RECORD_BYTES,
  MI5_BYTES,
  MI6_BYTES,
  MI5_MAGIC,
  MI6_MAGIC
} from "./savedFormat.js"
import type { VolumeIndexSizing } from "./sizing.js"
import type { SubIndex } from "./subIndex.js"
import { VolumeIndexState } from "./volumeIndex.js"

// Thrown inside this module only, and caught by loadStreams.
class LoadFailure {
  constructor(readonly message: string) {}
}

const fail = (message: string): never => {
  throw new LoadFailure(message)
}

/** Reads one stream in order, failing on a read past its end. */
class Reader {
  private at = 0
  private readonly view: DataView
  constructor(readonly bytes: Uint8Array, readonly stream: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** The offset of the next `length` bytes, which are skipped. */
  take(length: number, what: string): number {
    const at = this.at
    if (at + length > this.bytes.length) {
      fail(`volume index stream ${this.stream} ends at byte ${this.bytes.length} inside ${what} (byte ${at})`)
    }
    this.at = at + length
    return at
  }

  magic(text: string, what: string): void {
    const at = this.take(text.length, what)
    for (let i = 0; i < text.length; i++) {
      if (this.bytes[at + i] !== text.charCodeAt(i)) {
        fail(`volume index stream ${this.stream}: ${what} at byte ${at} does not start with "${text}"`)
      }
    }
  }

  u8(what: string): number {
    return this.bytes[this.take(1, what)]!
  }
  u16(what: string): number {
    return this.view.getUint16(this.take(2, what), true)
  }
  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true)
  }
  u64(what: string): bigint {
    return this.view.getBigUint64(this.take(8, what), true)
  }
  /** A u64 that must be an exact JS number (a chapter). */
  safe(what: string): number {
    return this.safeAt(this.take(8, what), what)
  }
  /** The u64 at byte `at` (already taken), which must be an exact JS number. */
  safeAt(at: number, what: string): number {
    const high = this.view.getUint32(at + 4, true)
    if (high >= 2 ** 21) fail(`volume index stream ${this.stream}: ${what} ${this.view.getBigUint64(at, true)} is too large`)
    return high * 2 ** 32 + this.view.getUint32(at, true)
  }
}

const U64 = 2n ** 64n

/**
 * Calls `f` for lists first .. first + n − 1 of `sub` with the zone that
 * holds each, its descriptor there and its index j from 0; a stream's lists
 * may span zones of the loading index when another zone count saved them.
 */
const forEachList = (
  sub: SubIndex,
  first: number,
  n: number,
  f: (zone: DeltaZone, descriptor: number, j: number) => void
): void => {
  const { listsPerZone } = sub.sizing
  for (let j = 0; j < n;) {
    const z = Math.floor((first + j) / listsPerZone)
    const zone = sub.zones[z]!
    const end = Math.min(n, (z + 1) * listsPerZone - first)
    for (let descriptor = first + j - z * listsPerZone + 1; j < end; j++, descriptor++) f(zone, descriptor, j)
  }
}

// Reads every stream's headers, flush chapters and list sizes of one sub-index (§6.5 step 2).
const readHeaders = (
  sub: SubIndex,
  readers: ReadonlyArray<Reader>,
  nonce: { value: bigint }
): Array<number> => {
  const { listCount } = sub.sizing
  const nonEmpty: Array<number> = []
  let first = 0
  let low = 0
  let high = 0
  let records = 0n
  let collisions = 0n
  for (const reader of readers) {
    const i = reader.stream
    reader.magic(MI5_MAGIC, "the MI5 header")
    const streamNonce = reader.u64("the nonce")
    if (nonce.value === 0n) nonce.value = streamNonce
    if (streamNonce !== nonce.value) fail(`volume index stream ${i} has nonce ${streamNonce}, expected ${nonce.value}`)
    const streamLow = reader.safe("the low chapter")
    const streamHigh = reader.safe("the high chapter")
    if (i === 0) {
      low = streamLow
      high = streamHigh
    } else if (streamHigh !== high) {
      fail(`volume index stream ${i} has high chapter ${streamHigh}, stream 0 has ${high}`)
    } else {
      low = Math.max(low, streamLow)
    }
    const headerFirst = reader.u32("the first list")
    const n = reader.u32("the list count")
    if (headerFirst !== first || first + n > listCount) {
      fail(`volume index stream ${i} holds lists ${headerFirst}..${headerFirst + n - 1}; expected lists from ${first}, at most up to ${listCount - 1}`)
    }
    const flushAt = reader.take(8 * n, "the flush chapters")
    forEachList(sub, first, n, (zone, descriptor, j) => {
      zone.setFlushChapter(descriptor, reader.safeAt(flushAt + 8 * j, "a flush chapter"))
    })
    reader.magic(DI_MAGIC, "the DI header")
    const zone = reader.u32("the zone number")
    const zoneCount = reader.u32("the zone count")
    const listFirst = reader.u32("the first list")
    const listN = reader.u32("the list count")
    if (zone !== i || zoneCount !== readers.length || listFirst !== first || listN !== n) {
      fail(`volume index stream ${i}: DI header says zone ${zone} of ${zoneCount}, lists ${listFirst} + ${listN}; expected zone ${i} of ${readers.length}, lists ${first} + ${n}`)
    }
    records += reader.u64("the record count")
    collisions += reader.u64("the collision count")
    let filled = 0
    const sizesAt = reader.take(2 * n, "the list sizes")
    const bytes = reader.bytes
    forEachList(sub, first, n, (zone, descriptor, j) => {
      const size = bytes[sizesAt + 2 * j]! | (bytes[sizesAt + 2 * j + 1]! << 8)
      zone.setSize(descriptor, size)
      zone.usedBits += size
      if (size > 0) filled++
    })
    nonEmpty.push(filled)
    first += n
  }
  if (first !== listCount) fail(`the volume index streams hold ${first} lists, expected ${listCount}`)
  records %= U64
  collisions %= U64
  if (collisions > records) fail(`the volume index streams count ${collisions} collisions among ${records} records`)
  if (records > BigInt(Number.MAX_SAFE_INTEGER)) fail(`the volume index streams count ${records} records`)
  for (let z = 0; z < sub.zones.length; z++) {
    sub.low[z] = low
    sub.high[z] = high
  }
  // As the reference does after a load, zone 0 holds the totals.
  sub.zones[0]!.recordCount = Number(records)
  sub.zones[0]!.collisionCount = Number(collisions)
  for (const zone of sub.zones) {
    if (zone.layOut() !== OK) fail(`the saved delta lists do not fit in a zone of ${zone.zoneBytes} bytes`)
  }
  return nonEmpty
}

const where = (reader: Reader, at: number): string => `volume index stream ${reader.stream}: the list record at byte ${at}`

// Reads the list records of one sub-index from one stream (§6.5 step 3). The message of a failure is only
// made when it fails: a stream holds a list record for most of its hundreds of thousands of lists.
const readLists = (sub: SubIndex, reader: Reader, count: number, seen: Uint8Array): void => {
  const { listCount, listsPerZone, tag } = sub.sizing
  const bytes = reader.bytes
  for (let k = 0; k < count; k++) {
    const at = reader.take(LIST_HEADER_BYTES, "a list record")
    const listTag = bytes[at]!
    const bitOffset = bytes[at + 1]!
    const byteCount = bytes[at + 2]! | (bytes[at + 3]! << 8)
    const list = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0
    if (bitOffset >= 8 || byteCount > MAX_LIST_RECORD_BYTES) fail(`${where(reader, at)} has bit offset ${bitOffset} and ${byteCount} bytes`)
    if (listTag !== tag) fail(`${where(reader, at)} has tag ${listTag}, expected ${tag}`)
    if (list >= listCount) fail(`${where(reader, at)} is for list ${list}, but there are ${listCount}`)
    const data = reader.take(byteCount, "list data")
    const z = Math.floor(list / listsPerZone)
    const zone = sub.zones[z]!
    const descriptor = list - z * listsPerZone + 1
    const size = zone.size(descriptor)
    if (size === 0 || seen[list] === 1) fail(`${where(reader, at)} is for list ${list}, which is empty or was given already`)
    if (byteCount !== (bitOffset + size + 7) >>> 3) fail(`${where(reader, at)} has ${byteCount} bytes for ${size} bits at offset ${bitOffset}`)
    seen[list] = 1
    const start = zone.start(descriptor)
    const byte = Math.floor(start / 8)
    placeBits(bytes, data, bitOffset, zone.bytes, byte, start - byte * 8, size)
  }
}

/**
 * The index saved in `streams` (one per saving zone), sized by `sizing`;
 * or why it cannot be loaded. `nonce` 0 adopts the first stream's nonce.
 */
export const loadStreams = (
  sizing: VolumeIndexSizing,
  streams: ReadonlyArray<Uint8Array>,
  nonce: bigint
): VolumeIndexState | string => {
  const index = new VolumeIndexState(sizing)
  return loadStreamsInto(index, streams, nonce) ?? index
}

/**
 * Loads `streams` into `index`, which must be as it was made (nothing put,
 * no chapter opened): the index a session made at open, so a load does not
 * allocate and zero a second index's memory. Returns why the streams cannot
 * be loaded, if they cannot; `index` is then half loaded and must be
 * thrown away. Every list's bytes are written whole (the bits around the
 * list zero), so only the pages that hold lists are ever touched.
 */
export const loadStreamsInto = (
  index: VolumeIndexState,
  streams: ReadonlyArray<Uint8Array>,
  nonce: bigint
): string | undefined => {
  const { sizing } = index
  try {
    if (streams.length === 0 || streams.length > 16) fail(`a volume index is saved in 1 to 16 streams, got ${streams.length}`)
    const readers = streams.map((bytes, i) => new Reader(bytes, i))
    if (index.hook !== undefined) {
      for (const reader of readers) {
        reader.magic(MI6_MAGIC, "the MI6 header")
        const rate = reader.u32("the sample rate")
        if (rate !== sizing.sampleRate) fail(`volume index stream ${reader.stream} has sample rate ${rate}, expected ${sizing.sampleRate}`)
      }
    }
    const expected = { value: nonce }
    const counts = index.subIndexes.map((sub) => readHeaders(sub, readers, expected))
    index.subIndexes.forEach((sub, s) => {
      const seen = new Uint8Array(sub.sizing.listCount)
      for (const reader of readers) readLists(sub, reader, counts[s]![reader.stream]!, seen)
    })
    for (const reader of readers) {
      const at = reader.take(GUARD_BYTES, "the guard")
      if (reader.bytes[at] !== GUARD_TAG) fail(`volume index stream ${reader.stream} has no guard 'z' at byte ${at}`)
    }
    return undefined
  } catch (error) {
    if (error instanceof LoadFailure) return error.message
    throw error
  }
}

/**
 * How many bytes the saved stream starting with `bytes` needs at most (its
 * headers, then each non-empty list at its longest, then the guard), so a
 * caller reads that much of a save region instead of the whole region. When
 * `bytes` ends inside the headers, the answer is only a lower bound (more
 * than `bytes.length`): read that much and ask again. Nothing is checked
 * here; the load checks everything.
 */
export const savedStreamBytes = (bytes: Uint8Array, sparse: boolean): number => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = sparse ? MI6_BYTES : 0
  let lists = 0
  for (let sub = 0; sub < (sparse ? 2 : 1); sub++) {
    if (at + MI5_BYTES > bytes.length) return at + MI5_BYTES
    const n = view.getUint32(at + 36, true)
    const sizesAt = at + MI5_BYTES + 8 * n + DI_BYTES
    at = sizesAt + 2 * n
    if (at > bytes.length) return at
    for (let j = 0; j < n; j++) {
      const size = bytes[sizesAt + 2 * j]! | (bytes[sizesAt + 2 * j + 1]! << 8)
      // At most 7 bits of offset in front of the list's bits.
      if (size > 0) lists += LIST_HEADER_BYTES + ((size + 14) >>> 3)
    }
  }
  return at + lists + GUARD_BYTES
}
