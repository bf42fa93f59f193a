/**
 * A fresh layout for a configuration (index.md §10.1 CREATE): version 3
 * super block, "06.02" configuration, the volume, two UNSAVED save slots and
 * the seal, at the blocks the configuration's `offset` puts them on. The same
 * configuration and nonce info give the same bytes, as the reference writes.
 *
 * @internal
 */
import { IndexLayout } from "@effect-uds/volume"
import { primaryNonce, volumeNonce } from "@effect-uds/volume/internal/format/nonce"
import { Either } from "effect"
import type { IndexConfig } from "../../IndexConfig.js"
import { InvalidArgument } from "../../IndexError.js"
import { configurationOf, encodeConfiguration } from "./configuration.js"
import type { Layout } from "./layout.js"
import type { RegionEntry } from "./regionTable.js"
import { placed } from "./regionTable.js"
import { encodeSaveSlotHeader } from "./saveSlot.js"
import { layoutSizes, MAX_SAVES } from "./sizes.js"
import { encodeSuperBlock, NONCE_INFO_BYTES } from "./superBlock.js"

const { BLOCK_SIZE, RegionKind, SOLE_INSTANCE } = IndexLayout

/** Bytes to write at an offset from the super block. */
export interface Write {
  readonly offset: number
  readonly bytes: Uint8Array
}

/** A created layout and the writes that put it on the device. */
export interface CreatedLayout {
  readonly layout: Layout
  /** Each slot's UNSAVED header, then the super block and configuration (two blocks at offset 0). */
  readonly writes: ReadonlyArray<Write>
}

/** The layout a configuration and 32 bytes of nonce info give. */
export const makeLayout = (config: IndexConfig, nonceInfo: Uint8Array): Either.Either<Layout, InvalidArgument> => {
  if (nonceInfo.length !== NONCE_INFO_BYTES) {
    return Either.left(
      new InvalidArgument({ message: `nonceInfo must be ${NONCE_INFO_BYTES} bytes, got ${nonceInfo.length}` })
    )
  }
  const sized = layoutSizes(config.geometry)
  if (!sized.ok) return Either.left(new InvalidArgument({ message: `the volume index cannot be sized: ${sized.message}` }))
  const sizes = sized.value
  const first = config.offset / BLOCK_SIZE
  const at = (entry: RegionEntry) => placed(entry, (entry.startBlock - first) * BLOCK_SIZE)
  const indexStart = first + 2
  const savesStart = indexStart + sizes.volumeBlocks
  const primary = primaryNonce(nonceInfo)
  return Either.right({
    superBlockVersion: 3,
    nonceInfo: nonceInfo.slice(),
    primaryNonce: primary,
    volumeNonce: volumeNonce(primary, BigInt(indexStart)),
    firstBlock: first,
    volumeOffsetBlocks: 0,
    startOffsetBlocks: 0,
    totalBlocks: sizes.totalBlocks,
    maxSaves: MAX_SAVES,
    pageMapBlocks: sizes.pageMapBlocks,
    openChapterBlocks: sizes.openChapterBlocks,
    configuration: configurationOf(config, "06.02"),
    geometry: config.geometry,
    header: at({ kind: RegionKind.Header, instance: SOLE_INSTANCE, startBlock: first, blockCount: 1 }),
    config: at({ kind: RegionKind.Config, instance: SOLE_INSTANCE, startBlock: first + 1, blockCount: 1 }),
    index: at({ kind: RegionKind.Index, instance: 0, startBlock: indexStart, blockCount: sizes.indexBlocks }),
    volume: at({ kind: RegionKind.Volume, instance: SOLE_INSTANCE, startBlock: indexStart, blockCount: sizes.volumeBlocks }),
    saves: Array.from({ length: MAX_SAVES }, (_, slot) =>
      at({
        kind: RegionKind.Save,
        instance: slot,
        startBlock: savesStart + slot * sizes.saveBlocks,
        blockCount: sizes.saveBlocks
      })),
    seal: at({ kind: RegionKind.Seal, instance: SOLE_INSTANCE, startBlock: indexStart + sizes.indexBlocks, blockCount: 1 })
  })
}

/** The super block and configuration: the first two blocks of the index. */
export const encodeHeader = (layout: Layout): Uint8Array => {
  const bytes = new Uint8Array(IndexLayout.HEADER_BYTES)
  bytes.set(encodeSuperBlock(layout), 0)
  bytes.set(encodeConfiguration(layout.configuration), layout.config.byteOffset)
  return bytes
}

/**
 * A fresh layout and its writes. The seal is never written, as in the
 * reference; whatever the volume and slots held before is made unreadable by
 * the new nonces and the UNSAVED headers.
 */
export const createLayout = (config: IndexConfig, nonceInfo: Uint8Array): Either.Either<CreatedLayout, InvalidArgument> =>
  Either.map(makeLayout(config, nonceInfo), (layout) => ({
    layout,
    writes: [
      ...layout.saves.map((slot, i) => ({ offset: slot.byteOffset, bytes: encodeSaveSlotHeader(layout, i, { type: "unsaved" }) })),
      { offset: 0, bytes: encodeHeader(layout) }
    ]
  }))
