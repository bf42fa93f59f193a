// The whole-index vector index-tiny: its bytes, meta.json, and where the regions of its
// save slots lie (a small reader of the slot region tables, layout.md §2.3, §5.3; the
// index package owns the full layout).
import * as fs from "node:fs"
import * as path from "node:path"
import { IndexLayout } from "@effect-uds/volume"
import { Either } from "effect"
import { vectorsDir } from "./vectors.js"

export interface IndexTinyMeta {
  readonly volume_nonce: string
  readonly uds_compute_index_size: number
  readonly posted: { readonly count: number; readonly seed: number }
  readonly chapters_after_post: { readonly oldest_virtual_chapter: number; readonly newest_virtual_chapter: number }
  readonly samples: ReadonlyArray<{ readonly k: number; readonly name: string; readonly metadata: string }>
}

/** One region of a save slot: kind, instance and its bytes' place in index.bin. */
export interface SlotRegion {
  readonly kind: number
  readonly instance: number
  readonly byteOffset: number
  readonly byteLength: number
}

/** A decoded save slot: its table type, timestamp and regions. */
export interface SaveSlot {
  readonly slot: number
  readonly type: number
  readonly timestamp: bigint
  readonly regions: ReadonlyArray<SlotRegion>
}

export const indexTinyDir = path.join(vectorsDir, "index-tiny")

export const readIndexTiny = (): { readonly bytes: Uint8Array; readonly meta: IndexTinyMeta } => ({
  bytes: new Uint8Array(fs.readFileSync(path.join(indexTinyDir, "index.bin"))),
  meta: JSON.parse(fs.readFileSync(path.join(indexTinyDir, "meta.json"), "utf8")) as IndexTinyMeta
})

/** Both save slots of a stand-alone (offset 0, version 3) index image. */
export const saveSlots = (bytes: Uint8Array): ReadonlyArray<SaveSlot> => {
  const layout = Either.getOrThrow(IndexLayout.parse(bytes))
  return layout.regions
    .filter((region) => region.kind === IndexLayout.RegionKind.Save)
    .map((region, slot) => {
      const block = bytes.subarray(region.byteOffset, region.byteOffset + IndexLayout.BLOCK_SIZE)
      const table = Either.getOrThrow(IndexLayout.decodeRegionTable(block))
      const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
      return {
        slot,
        type: table.type,
        timestamp: view.getBigUint64(table.payloadOffset, true),
        regions: table.entries.map((entry) => ({
          kind: entry.kind,
          instance: entry.instance,
          byteOffset: (entry.startBlock - layout.firstBlock) * IndexLayout.BLOCK_SIZE,
          byteLength: entry.blockCount * IndexLayout.BLOCK_SIZE
        }))
      }
    })
}

/** The save slot with the largest timestamp (layout.md §5.3; index-tiny's is slot 1). */
export const currentSaveSlot = (bytes: Uint8Array): SaveSlot =>
  saveSlots(bytes).reduce((best, slot) => (slot.timestamp > best.timestamp ? slot : best))

/** The bytes of one region of a slot (kind from IndexLayout.RegionKind, instance = zone or 65535). */
export const slotRegion = (bytes: Uint8Array, slot: SaveSlot, kind: number, instance = IndexLayout.SOLE_INSTANCE): Uint8Array => {
  const region = slot.regions.find((r) => r.kind === kind && r.instance === instance)
  if (region === undefined) throw new Error(`save slot ${slot.slot} has no region of kind ${kind} instance ${instance}`)
  return bytes.subarray(region.byteOffset, region.byteOffset + region.byteLength)
}
