/**
 * Writing a region table (layout.md §2.1): the 24-byte header and 24-byte
 * entries that open the super block and every save slot header. Reading is
 * the volume package's `IndexLayout.decodeRegionTable`.
 *
 * @internal
 */
import { IndexLayout } from "@effect-uds/volume"

/** One region of a table: its kind, instance, and place on the device in blocks. */
export interface RegionEntry {
  readonly kind: number
  readonly instance: number
  readonly startBlock: number
  readonly blockCount: number
}

/** A region with its byte place, relative to the super block. */
export type Region = IndexLayout.Region

export const TABLE_HEADER_BYTES = 24
export const REGION_ENTRY_BYTES = 24

/** Where a table with `count` entries puts its payload. */
export const payloadOffset = (count: number): number => TABLE_HEADER_BYTES + count * REGION_ENTRY_BYTES

/**
 * Writes a table header and its entries at the start of `block` and returns
 * a view of its payload (`payloadBytes` long) for the caller to fill. The
 * rest of the block is left as it is (zero for a fresh block).
 */
export const encodeRegionTable = (
  block: Uint8Array,
  table: {
    readonly type: number
    readonly regionBlocks: number
    readonly entries: ReadonlyArray<RegionEntry>
    readonly payloadBytes: number
  }
): DataView => {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  view.setBigUint64(0, IndexLayout.REGION_MAGIC, true)
  view.setBigUint64(8, BigInt(table.regionBlocks), true)
  view.setUint16(16, table.type, true)
  view.setUint16(18, 1, true)
  view.setUint16(20, table.entries.length, true)
  view.setUint16(22, table.payloadBytes, true)
  table.entries.forEach((entry, i) => {
    const at = payloadOffset(i)
    view.setBigUint64(at, BigInt(entry.startBlock), true)
    view.setBigUint64(at + 8, BigInt(entry.blockCount), true)
    view.setUint32(at + 16, 0, true)
    view.setUint16(at + 20, entry.kind, true)
    view.setUint16(at + 22, entry.instance, true)
  })
  const at = payloadOffset(table.entries.length)
  return new DataView(block.buffer, block.byteOffset + at, table.payloadBytes)
}

/** The region an entry describes, at `byteOffset` from the super block. */
export const placed = (entry: RegionEntry, byteOffset: number): Region => ({
  kind: entry.kind,
  instance: entry.instance,
  startBlock: entry.startBlock,
  blockCount: entry.blockCount,
  byteOffset,
  byteLength: entry.blockCount * IndexLayout.BLOCK_SIZE
})
