/**
 * A whole index layout (layout.md §0-§2) as the index uses it: the super
 * block's fields, the configuration record, and every top-level region with
 * its byte place. Byte offsets are relative to the super block, which sits at
 * the configuration's `offset` on the device.
 *
 * @internal
 */
import type { Geometry, IndexLayout } from "@effect-uds/volume"
import type { Region } from "./regionTable.js"

/** Everything the first two blocks of an index say, with where each region lies. */
export interface Layout {
  /** 3 normally; 7 for an index shrunk by one chapter in an LVM conversion. */
  readonly superBlockVersion: 3 | 7
  /** The 32 bytes chosen at creation; only hashed. */
  readonly nonceInfo: Uint8Array
  readonly primaryNonce: bigint
  /** The nonce of the volume's index pages and the saved volume index (layout.md §4.3). */
  readonly volumeNonce: bigint
  /** The HEADER region's start block: start blocks are absolute on the device the index was made on. */
  readonly firstBlock: number
  /** Version 7's volume and start offsets, in blocks; 0 otherwise. */
  readonly volumeOffsetBlocks: number
  readonly startOffsetBlocks: number
  /** Blocks the whole index spans. */
  readonly totalBlocks: number
  readonly maxSaves: number
  /** Each save slot's page map and open chapter sub-regions, in blocks. */
  readonly pageMapBlocks: number
  readonly openChapterBlocks: number
  readonly configuration: IndexLayout.Configuration
  /** The stored geometry, with its remapping (geometry.md §5). */
  readonly geometry: Geometry.Geometry
  readonly header: Region
  readonly config: Region
  /** The INDEX container: the volume and every save slot. */
  readonly index: Region
  readonly volume: Region
  readonly saves: ReadonlyArray<Region>
  readonly seal: Region
}

/** The super block's entries in table order (layout.md §2.2). */
export const superRegions = (layout: Layout): ReadonlyArray<Region> => [
  layout.header,
  layout.config,
  layout.index,
  layout.volume,
  ...layout.saves,
  layout.seal
]
