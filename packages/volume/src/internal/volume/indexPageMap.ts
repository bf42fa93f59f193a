/**
 * The index page map's implementation: a Uint16Array of the highest delta
 * list per (physical chapter, index page but the last), and its save format
 * ("ALBIPM02", the last update, then the entries, little-endian).
 */
import { Effect, Either } from "effect"
import type { Geometry } from "../../Geometry.js"
import type { Service, State } from "../../IndexPageMap.js"
import { CorruptData } from "../../VolumeError.js"
import { chapterDeltaList } from "../format/chapterHash.js"
import { describeValue } from "./volumeInput.js"

const MAGIC = "ALBIPM02"
const HEADER_BYTES = 16

/** See `IndexPageMap.entriesPerChapter`. */
export const entriesPerChapter = (geometry: Geometry): number => geometry.indexPagesPerChapter - 1

/** See `IndexPageMap.savedSize`. */
export const savedSize = (geometry: Geometry): number =>
  HEADER_BYTES + 2 * entriesPerChapter(geometry) * geometry.chaptersPerVolume

/** See `IndexPageMap.encode`. */
export const encode = (geometry: Geometry, state: State): Uint8Array => {
  const bytes = new Uint8Array(savedSize(geometry))
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i)
  view.setBigUint64(8, BigInt(state.lastUpdate), true)
  for (let i = 0; i < state.entries.length; i++) view.setUint16(HEADER_BYTES + 2 * i, state.entries[i]!, true)
  return bytes
}

/** See `IndexPageMap.decode`. */
export const decode = (geometry: Geometry, bytes: Uint8Array): Either.Either<State, CorruptData> => {
  const size = savedSize(geometry)
  if (!(bytes instanceof Uint8Array)) {
    return Either.left(new CorruptData({
      message: `a saved index page map must be a Uint8Array of ${size} bytes, got ${describeValue(bytes)}`
    }))
  }
  if (bytes.length < size) {
    return Either.left(new CorruptData({ message: `index page map is ${bytes.length} bytes, expected ${size}` }))
  }
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length))
  if (magic !== MAGIC) {
    return Either.left(new CorruptData({ message: `index page map magic ${JSON.stringify(magic)} is not "${MAGIC}"` }))
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size)
  const lastUpdate = view.getBigUint64(8, true)
  if (lastUpdate > BigInt(Number.MAX_SAFE_INTEGER)) {
    return Either.left(
      new CorruptData({ message: `index page map last update ${lastUpdate} is beyond ${Number.MAX_SAFE_INTEGER}` })
    )
  }
  const entries = new Uint16Array((size - HEADER_BYTES) / 2)
  for (let i = 0; i < entries.length; i++) entries[i] = view.getUint16(HEADER_BYTES + 2 * i, true)
  return Either.right({ lastUpdate: Number(lastUpdate), entries })
}

/** See `IndexPageMap.makeSync`. */
export const makeSync = (geometry: Geometry): Service => {
  const perChapter = entriesPerChapter(geometry)
  const lastList = geometry.deltaListsPerChapter - 1
  const addressBits = geometry.chapterAddressBits
  let entries: Uint16Array = new Uint16Array(perChapter * geometry.chaptersPerVolume)
  let lastUpdate = 0

  const highestList = (physicalChapter: number, indexPage: number): number =>
    indexPage < perChapter ? entries[physicalChapter * perChapter + indexPage]! : lastList
  const lowestList = (physicalChapter: number, indexPage: number): number =>
    indexPage === 0 ? 0 : entries[physicalChapter * perChapter + indexPage - 1]! + 1

  return {
    update: (virtualChapter, physicalChapter, indexPage, highest) => {
      if (virtualChapter > lastUpdate) lastUpdate = virtualChapter
      if (indexPage < perChapter) entries[physicalChapter * perChapter + indexPage] = highest & 0xffff
    },
    findIndexPage: (name, physicalChapter) => {
      const list = chapterDeltaList(name, 0, addressBits, lastList)
      const base = physicalChapter * perChapter
      for (let page = 0; page < perChapter; page++) if (list <= entries[base + page]!) return page
      return perChapter
    },
    lowestList,
    highestList,
    bounds: (physicalChapter, indexPage) => ({
      lowest: lowestList(physicalChapter, indexPage),
      highest: highestList(physicalChapter, indexPage)
    }),
    lastUpdate: () => lastUpdate,
    save: () => encode(geometry, { lastUpdate, entries }),
    load: (bytes) =>
      Effect.map(decode(geometry, bytes), (state) => {
        entries = state.entries
        lastUpdate = state.lastUpdate
      })
  }
}
