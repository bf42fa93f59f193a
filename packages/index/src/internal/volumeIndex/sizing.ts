/**
 * The sizing of the volume index (volume-index.md §2): one sub-index for a
 * dense geometry, two (hook and non-hook) for a sparse one, each with its
 * list count, field widths, coding constants and per-zone memory. Pure
 * integer arithmetic, as the reference computes it.
 *
 * @internal
 */
import { Geometry } from "@effect-uds/volume"
import { describeValue } from "@effect-uds/volume/internal/volume/volumeInput"

/** The reference's default mean delta between volume index keys. */
export const DEFAULT_MEAN_DELTA = 4096
/** The sample rate of a sparse index: one name in 32 is a hook. */
export const SPARSE_SAMPLE_RATE = 32
/** Zones partition the lists; the reference allows 1 to 16. */
export const MAX_ZONES = 16
const ZONE_MEMORY_ALIGNMENT = 65536

/** Which sub-index, by its save tag (volume-index.md §2.2). */
export type SubIndexKind = "dense" | "nonHook" | "hook"

/** Everything one sub-index is sized with (volume-index.md §2.3). */
export interface SubIndexSizing {
  readonly kind: SubIndexKind
  /** The save tag of its list records: 'm', 'd' or 's'. */
  readonly tag: number
  /** Records per chapter it is sized for (R). */
  readonly recordsPerChapter: number
  /** Chapters it keeps (W, the chapter window). */
  readonly chapterCount: number
  /** Delta lists (L). */
  readonly listCount: number
  /** Low bits of the name's first 8 bytes that form the address (A). */
  readonly addressBits: number
  /** Width of the value field (B): a VCN is stored mod 2^B. */
  readonly chapterBits: number
  /** The key code's constants, from the coding mean M. */
  readonly meanDelta: number
  readonly minBits: number
  readonly minKeys: number
  readonly incrKeys: number
  /** Bytes of the whole sub-index's memory (X × 106 / 100). */
  readonly memoryBytes: number
  /** Expected bytes used (X) and the free target kept back (X / 20). */
  readonly expectedBytes: number
  readonly targetFreeBytes: number
  /** Bits one chapter is expected to use (E). */
  readonly chapterSizeBits: number
  readonly zoneCount: number
  /** Bytes of each zone's array, a multiple of 64 KiB. */
  readonly zoneBytes: number
  /** Early expiry (§5.6): a chapter's bits in one zone, and the bits a zone may use. */
  readonly chapterZoneBits: number
  readonly maxZoneBits: number
  /** Lists per zone (P): zone z owns lists [z P, min((z + 1) P, L)). */
  readonly listsPerZone: number
}

/** The volume index's sizing: its sub-indexes (non-hook or only one first) and sample rate. */
export interface VolumeIndexSizing {
  readonly sparse: boolean
  /** 0 for a dense index. */
  readonly sampleRate: number
  readonly zoneCount: number
  /** The only sub-index (dense), or the non-hook one (sparse). */
  readonly main: SubIndexSizing
  /** The hook sub-index of a sparse index. */
  readonly hook: SubIndexSizing | undefined
}

const TAGS: Record<SubIndexKind, number> = { dense: 0x6d, nonHook: 0x64, hook: 0x73 }

/** A description of why the sizing is impossible, or the sizing. */
export type SizingResult<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly message: string }

const subIndex = (
  kind: SubIndexKind,
  recordsPerChapter: number,
  chapterCount: number,
  reduced: boolean,
  meanDelta: number,
  zoneCount: number
): SizingResult<SubIndexSizing> => {
  const rounded = reduced ? chapterCount + 1 : chapterCount
  const listCount = Math.max(Math.floor((recordsPerChapter * rounded) / 256), 256)
  if (listCount > 0xffffffff) return { ok: false, message: `${listCount} delta lists do not fit in 32 bits` }
  const addressBits = Geometry.bitsPer(meanDelta * 256 - 1)
  if (addressBits > 31) return { ok: false, message: `mean delta ${meanDelta} needs ${addressBits} address bits, at most 31` }
  const chapterBits = Geometry.bitsPer(rounded - 1)
  const slack = Math.max(Math.floor(rounded / 256), 2)
  const chaptersWithSlack = rounded + slack
  const codingMean = Math.floor((listCount * 2 ** addressBits) / (recordsPerChapter * chaptersWithSlack))
  const { incrKeys, minBits, minKeys } = Geometry.codingConstants(codingMean)
  const chapterSizeBits = recordsPerChapter * (chapterBits + minBits + 1) + Math.floor(recordsPerChapter / 2)
  const expectedBytes = Math.floor((chapterSizeBits * chaptersWithSlack) / 8)
  const memoryBytes = Math.floor((expectedBytes * 106) / 100)
  const targetFreeBytes = Math.floor(expectedBytes / 20)
  const zoneBytes = Math.ceil(Math.floor(memoryBytes / zoneCount) / ZONE_MEMORY_ALIGNMENT) * ZONE_MEMORY_ALIGNMENT
  const listsPerZone = Math.ceil(listCount / zoneCount)
  if ((zoneCount - 1) * listsPerZone >= listCount) {
    return { ok: false, message: `${listCount} delta lists are not enough for ${zoneCount} zones` }
  }
  return {
    ok: true,
    value: {
      kind,
      tag: TAGS[kind],
      recordsPerChapter,
      chapterCount,
      listCount,
      addressBits,
      chapterBits,
      meanDelta: codingMean,
      minBits,
      minKeys,
      incrKeys,
      memoryBytes,
      expectedBytes,
      targetFreeBytes,
      chapterSizeBits,
      zoneCount,
      zoneBytes,
      chapterZoneBits: Math.floor(chapterSizeBits / zoneCount),
      maxZoneBits: Math.floor(((zoneBytes * zoneCount - targetFreeBytes) * 8) / zoneCount),
      listsPerZone
    }
  }
}

/**
 * Sizes the volume index for a geometry and zone count (1..16), with the
 * reference's mean delta unless another is given. A sparse geometry gets a
 * hook and a non-hook sub-index with sample rate 32.
 */
export const size = (
  geometry: Geometry.Geometry,
  zoneCount: number,
  meanDelta: number = DEFAULT_MEAN_DELTA
): SizingResult<VolumeIndexSizing> => {
  if (!Number.isSafeInteger(zoneCount) || zoneCount < 1 || zoneCount > MAX_ZONES) {
    return { ok: false, message: `zone count must be an integer from 1 to ${MAX_ZONES}, got ${describeValue(zoneCount)}` }
  }
  const reduced = Geometry.isReduced(geometry)
  if (geometry.sparseChaptersPerVolume === 0) {
    const main = subIndex("dense", geometry.recordsPerChapter, geometry.chaptersPerVolume, reduced, meanDelta, zoneCount)
    return main.ok ? { ok: true, value: { sparse: false, sampleRate: 0, zoneCount, main: main.value, hook: undefined } } : main
  }
  const hookRecords = Math.floor(geometry.recordsPerChapter / SPARSE_SAMPLE_RATE)
  const hook = subIndex("hook", hookRecords, geometry.chaptersPerVolume, reduced, meanDelta, zoneCount)
  if (!hook.ok) return hook
  const main = subIndex(
    "nonHook",
    geometry.recordsPerChapter - hookRecords,
    geometry.denseChaptersPerVolume,
    reduced,
    meanDelta,
    zoneCount
  )
  if (!main.ok) return main
  return { ok: true, value: { sparse: true, sampleRate: SPARSE_SAMPLE_RATE, zoneCount, main: main.value, hook: hook.value } }
}

// One sub-index's saved bytes at most (§2.4): headers, flush chapters, sizes and one-zone memory.
const savedBytes = (sub: SubIndexSizing): number =>
  40 + 8 * sub.listCount + 40 + 9 * sub.listCount +
  Math.ceil(sub.memoryBytes / ZONE_MEMORY_ALIGNMENT) * ZONE_MEMORY_ALIGNMENT

/**
 * Blocks of 4096 bytes a save slot gives the volume index (volume-index.md
 * §2.4), whatever the zone count: ceil((T + 8) / 4096) + 16.
 */
export const saveBlocks = (sizing: VolumeIndexSizing): number => {
  const total = sizing.hook === undefined ? savedBytes(sizing.main) : savedBytes(sizing.main) + savedBytes(sizing.hook) + 12
  return Math.ceil((total + 8) / 4096) + 16
}
