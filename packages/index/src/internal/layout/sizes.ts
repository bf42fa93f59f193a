/**
 * The sizes, in 4096-byte blocks, that a geometry gives every region of the
 * layout (layout.md §2.2): the volume, each save slot's page map, volume
 * index and open chapter, and the whole index. The reference computes them
 * the same way at creation (its compute_sizes) and for uds_compute_index_size.
 *
 * @internal
 */
import type { Geometry } from "@effect-uds/volume"
import { IndexLayout } from "@effect-uds/volume"
import * as Sizing from "../volumeIndex/sizing.js"

/** The layout's allocation unit. */
export const BLOCK_SIZE = IndexLayout.BLOCK_SIZE

/** Save slots the reference creates. */
export const MAX_SAVES = 2

/** The block counts of every part of a layout. */
export interface LayoutSizes {
  readonly volumeBlocks: number
  readonly pageMapBlocks: number
  readonly openChapterBlocks: number
  readonly volumeIndexBlocks: number
  /** One save slot: its header block, page map, volume index and open chapter. */
  readonly saveBlocks: number
  /** The INDEX container: the volume and every save slot. */
  readonly indexBlocks: number
  /** Super block, configuration, INDEX container and seal. */
  readonly totalBlocks: number
}

const blocksFor = (bytes: number) => Math.ceil(bytes / BLOCK_SIZE)

/** Bytes of a saved index page map: magic, last update, one u16 per stored page (layout.md §5.4). */
export const pageMapBytes = (geometry: Geometry.Geometry): number =>
  16 + 2 * geometry.chaptersPerVolume * (geometry.indexPagesPerChapter - 1)

/** Bytes of a saved open chapter holding a whole chapter of records (layout.md §5.4). */
export const openChapterBytes = (geometry: Geometry.Geometry): number => 5 + 5 + 4 + 32 * geometry.recordsPerChapter

/**
 * The sizes for a geometry, or why it has none (a geometry the volume index
 * cannot be sized for).
 */
export const layoutSizes = (geometry: Geometry.Geometry): Sizing.SizingResult<LayoutSizes> => {
  // The volume index's share of a slot does not depend on the zone count.
  const sizing = Sizing.size(geometry, 1)
  if (!sizing.ok) return sizing
  const volumeBlocks = blocksFor(geometry.bytesPerVolume)
  const pageMapBlocks = blocksFor(pageMapBytes(geometry))
  const openChapterBlocks = blocksFor(openChapterBytes(geometry))
  const volumeIndexBlocks = Sizing.saveBlocks(sizing.value)
  const saveBlocks = 1 + pageMapBlocks + volumeIndexBlocks + openChapterBlocks
  const indexBlocks = volumeBlocks + MAX_SAVES * saveBlocks
  return {
    ok: true,
    value: {
      volumeBlocks,
      pageMapBlocks,
      openChapterBlocks,
      volumeIndexBlocks,
      saveBlocks,
      indexBlocks,
      totalBlocks: 3 + indexBlocks
    }
  }
}
