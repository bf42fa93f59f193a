/**
 * Writing the super block (layout.md §1): the top-level region table with
 * the super-block data as its payload, in version 3 (104 bytes) or version 7
 * (120 bytes, with the volume and start offsets).
 *
 * @internal
 */
import { IndexLayout } from "@effect-uds/volume"
import type { Layout } from "./layout.js"
import { superRegions } from "./layout.js"
import { encodeRegionTable } from "./regionTable.js"

/** Bytes of nonce info the super block carries. */
export const NONCE_INFO_BYTES = 32

const LABEL = new TextEncoder().encode(IndexLayout.SUPER_BLOCK_LABEL)

/** The super block of a layout: one 4096-byte block, zero past its payload. */
export const encodeSuperBlock = (layout: Layout): Uint8Array => {
  const block = new Uint8Array(IndexLayout.BLOCK_SIZE)
  const version7 = layout.superBlockVersion === 7
  const payload = encodeRegionTable(block, {
    type: IndexLayout.TableType.Super,
    regionBlocks: layout.totalBlocks,
    entries: superRegions(layout),
    payloadBytes: version7 ? 120 : 104
  })
  const at = payload.byteOffset
  block.set(LABEL, at)
  block.set(layout.nonceInfo.subarray(0, NONCE_INFO_BYTES), at + 32)
  payload.setBigUint64(64, layout.primaryNonce, true)
  payload.setUint32(72, layout.superBlockVersion, true)
  payload.setUint32(76, IndexLayout.BLOCK_SIZE, true)
  payload.setUint16(80, 1, true)
  payload.setUint16(82, layout.maxSaves, true)
  payload.setBigUint64(88, BigInt(layout.openChapterBlocks), true)
  payload.setBigUint64(96, BigInt(layout.pageMapBlocks), true)
  if (version7) {
    payload.setBigUint64(104, BigInt(layout.volumeOffsetBlocks), true)
    payload.setBigUint64(112, BigInt(layout.startOffsetBlocks), true)
  }
  return block
}
