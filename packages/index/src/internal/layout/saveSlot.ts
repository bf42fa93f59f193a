/**
 * A save slot's header block (layout.md §2.3, §5.2): a region table of type
 * SAVE (header, page map, one volume index region per zone, open chapter,
 * free space) with the 64-byte save payload, or of type UNSAVED (header,
 * page map, free space) with 24 zero bytes. Decoding applies every per-slot
 * check of §5.2 and the validity rule of §5.3; a slot that fails any of them
 * is a `CorruptData` saying why, and is simply not used.
 *
 * @internal
 */
import { IndexLayout } from "@effect-uds/volume"
import { Either } from "effect"
import { CorruptData } from "../../IndexError.js"
import type { Layout } from "./layout.js"
import type { Region, RegionEntry } from "./regionTable.js"
import { encodeRegionTable, placed } from "./regionTable.js"
import { saveNonce } from "./saveNonce.js"

const { BLOCK_SIZE, RegionKind, SOLE_INSTANCE, TableType } = IndexLayout

/** Save payload sizes: the save data alone (UNSAVED), and with the index state (SAVE). */
const SAVE_DATA_BYTES = 24
const SAVE_PAYLOAD_BYTES = 64
/** The save version written; larger ones are unsupported. */
export const SAVE_VERSION = 1
const STATE_SIGNATURE = -1
const STATE_VERSION = 301
const MAX_ZONES = 16

/** The virtual chapter a save records as "last save" when nothing was closed yet. */
export const NO_LAST_SAVE = (1n << 64n) - 1n

/** Where a SAVE slot's parts lie. */
export interface SaveRegions {
  readonly header: Region
  readonly pageMap: Region
  /** One per zone of the index that saved, zone by zone. */
  readonly volumeIndexZones: ReadonlyArray<Region>
  readonly openChapter: Region
  /** What is left at the slot's end (0 blocks when nothing is). */
  readonly free: Region
}

/** The index state a save records, with when it began (ms since the epoch, never 0). */
export interface SaveState {
  readonly timestamp: bigint
  /** The open chapter's virtual number. */
  readonly newestChapter: bigint
  readonly oldestChapter: bigint
  /** The last closed chapter the save covers, or `NO_LAST_SAVE`. */
  readonly lastSave: bigint
}

/** A slot that holds a valid save: its state, how it was saved, and where its parts are. */
export interface SavedSlot extends SaveState {
  readonly state: "saved"
  readonly slot: number
  readonly zoneCount: number
  readonly saveNonce: bigint
  readonly saveVersion: number
  readonly regions: SaveRegions
}

/** A slot that is empty, or whose save was invalidated before being rewritten. */
export interface UnsavedSlot {
  readonly state: "unsaved"
  readonly slot: number
}

/** A decoded save slot header. */
export type SaveSlot = SavedSlot | UnsavedSlot

/** What to write into a slot header. */
export type SlotHeader =
  | { readonly type: "unsaved" }
  | ({ readonly type: "save"; readonly zoneCount: number } & SaveState)

// Byte offset from the super block of a region inside a save slot (layout.md §2.4).
const subRegion = (layout: Layout, entry: RegionEntry): Region =>
  placed(entry, (entry.startBlock - layout.volumeOffsetBlocks - layout.firstBlock) * BLOCK_SIZE)

const slotRegion = (layout: Layout, slot: number): Region => {
  const region = layout.saves[slot]
  if (region === undefined) throw new RangeError(`save slot ${slot} does not exist; the layout has ${layout.saves.length}`)
  return region
}

/**
 * Where the parts of a SAVE written with `zoneCount` zones (1..16) go: the
 * header block, the page map, the volume index blocks shared equally by the
 * zones, the open chapter, and the remainder (layout.md §2.3).
 */
export const saveRegions = (layout: Layout, slot: number, zoneCount: number): SaveRegions => {
  const { blockCount, startBlock } = slotRegion(layout, slot)
  const header = { kind: RegionKind.Header, instance: SOLE_INSTANCE, startBlock, blockCount: 1 }
  const pageMap = {
    kind: RegionKind.IndexPageMap,
    instance: SOLE_INSTANCE,
    startBlock: startBlock + 1,
    blockCount: layout.pageMapBlocks
  }
  const zoneSpace = blockCount - 1 - layout.pageMapBlocks - layout.openChapterBlocks
  const perZone = Math.floor(zoneSpace / zoneCount)
  let next = pageMap.startBlock + pageMap.blockCount
  const zones: Array<RegionEntry> = []
  for (let zone = 0; zone < zoneCount; zone++) {
    zones.push({ kind: RegionKind.VolumeIndex, instance: zone, startBlock: next, blockCount: perZone })
    next += perZone
  }
  const openChapter = {
    kind: RegionKind.OpenChapter,
    instance: SOLE_INSTANCE,
    startBlock: next,
    blockCount: layout.openChapterBlocks
  }
  next += layout.openChapterBlocks
  const free = { kind: RegionKind.Empty, instance: SOLE_INSTANCE, startBlock: next, blockCount: startBlock + blockCount - next }
  return {
    header: subRegion(layout, header),
    pageMap: subRegion(layout, pageMap),
    volumeIndexZones: zones.map((zone) => subRegion(layout, zone)),
    openChapter: subRegion(layout, openChapter),
    free: subRegion(layout, free)
  }
}

/** The entries of an UNSAVED slot: header, page map, and the rest as free space. */
const unsavedEntries = (layout: Layout, slot: number): ReadonlyArray<RegionEntry> => {
  const { blockCount, startBlock } = slotRegion(layout, slot)
  const pageMapStart = startBlock + 1
  return [
    { kind: RegionKind.Header, instance: SOLE_INSTANCE, startBlock, blockCount: 1 },
    { kind: RegionKind.IndexPageMap, instance: SOLE_INSTANCE, startBlock: pageMapStart, blockCount: layout.pageMapBlocks },
    {
      kind: RegionKind.Empty,
      instance: SOLE_INSTANCE,
      startBlock: pageMapStart + layout.pageMapBlocks,
      blockCount: blockCount - 1 - layout.pageMapBlocks
    }
  ]
}

/**
 * The header block of a slot: UNSAVED, or a SAVE of the given state whose
 * save nonce is computed here (layout.md §4.4). Writing the SAVE header last
 * is what commits a save (§5.3).
 */
export const encodeSaveSlotHeader = (layout: Layout, slot: number, header: SlotHeader): Uint8Array => {
  const region = slotRegion(layout, slot)
  const block = new Uint8Array(BLOCK_SIZE)
  if (header.type === "unsaved") {
    encodeRegionTable(block, {
      type: TableType.Unsaved,
      regionBlocks: region.blockCount,
      entries: unsavedEntries(layout, slot),
      payloadBytes: SAVE_DATA_BYTES
    })
    return block
  }
  const regions = saveRegions(layout, slot, header.zoneCount)
  const entries = [regions.header, regions.pageMap, ...regions.volumeIndexZones, regions.openChapter]
  const payload = encodeRegionTable(block, {
    type: TableType.Save,
    regionBlocks: region.blockCount,
    entries: regions.free.blockCount > 0 ? [...entries, regions.free] : entries,
    payloadBytes: SAVE_PAYLOAD_BYTES
  })
  payload.setBigUint64(0, header.timestamp, true)
  payload.setBigUint64(8, saveNonce(layout.volumeNonce, header.timestamp, SAVE_VERSION, region.startBlock), true)
  payload.setUint32(16, SAVE_VERSION, true)
  payload.setInt32(24, STATE_SIGNATURE, true)
  payload.setInt32(28, STATE_VERSION, true)
  payload.setBigUint64(32, header.newestChapter, true)
  payload.setBigUint64(40, header.oldestChapter, true)
  payload.setBigUint64(48, header.lastSave, true)
  return block
}

const kindName = (kind: number): string =>
  kind === RegionKind.Header
    ? "HEADER"
    : kind === RegionKind.IndexPageMap
    ? "INDEX_PAGE_MAP"
    : kind === RegionKind.VolumeIndex
    ? "VOLUME_INDEX"
    : kind === RegionKind.OpenChapter
    ? "OPEN_CHAPTER"
    : kind === RegionKind.Empty
    ? "EMPTY"
    : `kind ${kind}`

/**
 * Decodes a slot's header block (its first 4096 bytes; fewer is corrupt):
 * UNSAVED, or a SAVE that passes every check of layout.md §5.2 and is valid
 * by §5.3 (zones > 0, timestamp ≠ 0, the save nonce matches). Anything else
 * is a `CorruptData` naming the slot and what was wrong.
 */
export const decodeSaveSlot = (
  layout: Layout,
  slot: number,
  block: Uint8Array
): Either.Either<SaveSlot, CorruptData> =>
  Either.gen(function*() {
    const region = layout.saves[slot]
    const fail = (what: string) =>
      Either.left(new CorruptData({ message: `save slot ${slot}: ${what}`, ...(region ? { offset: region.byteOffset } : {}) }))
    if (region === undefined) return yield* fail(`no such slot; the layout has ${layout.saves.length}`)
    if (block.length < BLOCK_SIZE) return yield* fail(`header is ${block.length} bytes, expected ${BLOCK_SIZE}`)
    const decoded = IndexLayout.decodeRegionTable(block)
    if (Either.isLeft(decoded)) return yield* fail(`header: ${decoded.left.message}`)
    const table = decoded.right
    if (table.regionBlocks !== region.blockCount) {
      return yield* fail(`header covers ${table.regionBlocks} blocks, the super block gives the slot ${region.blockCount}`)
    }
    if (table.type === TableType.Unsaved) return { state: "unsaved", slot } as const
    if (table.type !== TableType.Save) {
      return yield* fail(`header type is ${table.type}, expected ${TableType.Save} (SAVE) or ${TableType.Unsaved} (UNSAVED)`)
    }
    if (table.payloadBytes !== SAVE_PAYLOAD_BYTES) {
      return yield* fail(`save payload is ${table.payloadBytes} bytes, expected ${SAVE_PAYLOAD_BYTES}`)
    }
    const payload = new DataView(block.buffer, block.byteOffset + table.payloadOffset, SAVE_PAYLOAD_BYTES)
    const saveVersion = payload.getUint32(16, true)
    if (saveVersion > SAVE_VERSION) return yield* fail(`unsupported save version ${saveVersion}, expected at most ${SAVE_VERSION}`)
    const signature = payload.getInt32(24, true)
    const stateVersion = payload.getInt32(28, true)
    if (signature !== STATE_SIGNATURE || stateVersion !== STATE_VERSION) {
      return yield* fail(
        `index state signature ${signature} version ${stateVersion}, expected ${STATE_SIGNATURE} version ${STATE_VERSION}`
      )
    }
    const entries = table.entries
    if (entries.length < 4) return yield* fail(`${entries.length} regions, a save has at least 4`)
    const hasFree = entries[entries.length - 1]!.kind === RegionKind.Empty
    const zoneCount = entries.length - 3 - (hasFree ? 1 : 0)
    if (zoneCount > MAX_ZONES) return yield* fail(`${zoneCount} volume index zones, at most ${MAX_ZONES}`)
    // The entries must tile the slot, in order, each where the previous one ended.
    const slotEnd = region.startBlock + region.blockCount
    const expected = [
      [RegionKind.Header, SOLE_INSTANCE],
      [RegionKind.IndexPageMap, SOLE_INSTANCE],
      ...Array.from({ length: zoneCount }, (_, zone) => [RegionKind.VolumeIndex, zone] as const),
      [RegionKind.OpenChapter, SOLE_INSTANCE],
      ...(hasFree ? [[RegionKind.Empty, SOLE_INSTANCE] as const] : [])
    ] as const
    let next = region.startBlock
    for (let i = 0; i < expected.length; i++) {
      const [kind, instance] = expected[i]!
      const entry = entries[i]!
      if (entry.kind !== kind || entry.instance !== instance) {
        return yield* fail(
          `region ${i} is ${kindName(entry.kind)} instance ${entry.instance}, expected ${kindName(kind)} instance ${instance}`
        )
      }
      if (entry.startBlock !== next) {
        return yield* fail(`${kindName(kind)} region ${i} starts at block ${entry.startBlock}, expected ${next}`)
      }
      next = entry.startBlock + entry.blockCount
    }
    if (next !== slotEnd) return yield* fail(`regions end at block ${next}, the slot at block ${slotEnd}`)
    const timestamp = payload.getBigUint64(0, true)
    const storedNonce = payload.getBigUint64(8, true)
    if (zoneCount === 0) return yield* fail(`a save with no volume index zone`)
    if (timestamp === 0n) return yield* fail(`save timestamp is 0`)
    const expectedNonce = saveNonce(layout.volumeNonce, timestamp, saveVersion, region.startBlock)
    if (storedNonce !== expectedNonce) {
      return yield* fail(`save nonce ${storedNonce} is not the one its timestamp and place give (${expectedNonce})`)
    }
    const at = (i: number) => subRegion(layout, entries[i]!)
    const last = entries.length - 1
    return {
      state: "saved",
      slot,
      zoneCount,
      timestamp,
      saveNonce: storedNonce,
      saveVersion,
      newestChapter: payload.getBigUint64(32, true),
      oldestChapter: payload.getBigUint64(40, true),
      lastSave: payload.getBigUint64(48, true),
      regions: {
        header: at(0),
        pageMap: at(1),
        volumeIndexZones: Array.from({ length: zoneCount }, (_, zone) => at(2 + zone)),
        openChapter: at(2 + zoneCount),
        free: hasFree
          ? at(last)
          : subRegion(layout, { kind: RegionKind.Empty, instance: SOLE_INSTANCE, startBlock: slotEnd, blockCount: 0 })
      }
    } as const
  })
