/**
 * Everything the layout of a whole index says, read-only: its regions, the
 * stored configuration, both save slots (valid or not, and why), the slot a
 * load would use, and how many records its saved open chapter holds. Shared
 * by `uds-index inspect` and `uds-index verify`.
 *
 * @since 0.1.0
 */
import { IndexConfig, IndexError } from "@effect-uds/index"
import { readLayout, type ReadLayout } from "@effect-uds/index/internal/layout/read"
import type { SavedSlot } from "@effect-uds/index/internal/layout/saveSlot"
import * as SavedOpenChapter from "@effect-uds/index/internal/openChapter/savedFormat"
import { IndexLayout } from "@effect-uds/volume"
import { Effect, Either, Option } from "effect"
import { UsageError } from "../CliError.js"
import { readStoredIndex, readZeroFilled, type StoredIndex } from "./storedConfig.js"

const KIND_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(IndexLayout.RegionKind).map(([name, kind]) => [kind as number, name])
)

/** A region as reported. */
export interface RegionReport {
  readonly kind: string
  readonly instance: number | null
  readonly startBlock: number
  readonly blockCount: number
  readonly byteOffset: number
  readonly byteLength: number
}

/** A save slot as reported. */
export type SlotReport =
  | { readonly slot: number; readonly state: "invalid"; readonly problem: string }
  | { readonly slot: number; readonly state: "unsaved" }
  | {
    readonly slot: number
    readonly state: "saved"
    /** Milliseconds since the epoch, as a decimal string, and as ISO 8601. */
    readonly timestamp: string
    readonly time: string
    readonly newestChapter: string
    readonly oldestChapter: string
    /** The last closed chapter the save covers, or null (none). */
    readonly lastSave: string | null
    readonly zones: number
    readonly saveNonce: string
    readonly regions: ReadonlyArray<RegionReport>
    /** Records in the saved open chapter, or why it could not be read. */
    readonly openChapterRecords: number | null
    readonly openChapterProblem: string | null
  }

/** The whole report. */
export interface LayoutReport {
  readonly stored: StoredIndex
  readonly read: ReadLayout
  readonly indexBytes: number
  readonly regions: ReadonlyArray<RegionReport>
  readonly slots: ReadonlyArray<SlotReport>
  /** The slot a load uses, or null when none holds a valid save. */
  readonly current: number | null
}

const NO_LAST_SAVE = (1n << 64n) - 1n

const regionReport = (region: IndexLayout.Region): RegionReport => ({
  kind: KIND_NAMES.get(region.kind) ?? `kind ${region.kind}`,
  instance: region.instance === IndexLayout.SOLE_INSTANCE ? null : region.instance,
  startBlock: region.startBlock,
  blockCount: region.blockCount,
  byteOffset: region.byteOffset,
  byteLength: region.byteLength
})

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

// The record count in the header of a saved open chapter (ALBOC 02.00), or why it is not one.
const openChapterRecords = (header: Uint8Array, capacity: number): Either.Either<number, string> => {
  if (!sameBytes(header.subarray(0, 5), SavedOpenChapter.MAGIC)) return Either.left("no ALBOC magic")
  if (!sameBytes(header.subarray(5, 10), SavedOpenChapter.VERSION)) return Either.left("version is not 02.00")
  const records = new DataView(header.buffer, header.byteOffset + 10, 4).getUint32(0, true)
  return records <= capacity
    ? Either.right(records)
    : Either.left(`${records} records, more than a chapter's ${capacity}`)
}

const slotReport = (fd: number, capacity: number, slot: SavedSlot): SlotReport => {
  const header = readZeroFilled(fd, slot.regions.openChapter.byteOffset, SavedOpenChapter.HEADER_BYTES)
  const records = openChapterRecords(header, capacity)
  return {
    slot: slot.slot,
    state: "saved",
    timestamp: slot.timestamp.toString(),
    time: Number(slot.timestamp) < 8.64e15 ? new Date(Number(slot.timestamp)).toISOString() : "out of range",
    newestChapter: slot.newestChapter.toString(),
    oldestChapter: slot.oldestChapter.toString(),
    lastSave: slot.lastSave === NO_LAST_SAVE ? null : slot.lastSave.toString(),
    zones: slot.zoneCount,
    saveNonce: slot.saveNonce.toString(),
    regions: [
      slot.regions.header,
      slot.regions.pageMap,
      ...slot.regions.volumeIndexZones,
      slot.regions.openChapter,
      ...(slot.regions.free.blockCount > 0 ? [slot.regions.free] : [])
    ].map(regionReport),
    openChapterRecords: Either.getOrNull(records),
    openChapterProblem: Either.isLeft(records) ? records.left : null
  }
}

/**
 * Reads the layout of the index in the open file `fd` (`size` bytes long).
 * A file that is not an index, or whose super block or configuration is
 * corrupt, is a `UsageError`; a save slot that does not decode is reported
 * as invalid, with why.
 */
export const readLayoutReport = (
  path: string,
  fd: number,
  size: number
): Effect.Effect<LayoutReport, UsageError | IndexError.IoError> =>
  Effect.gen(function*() {
    const stored = yield* readStoredIndex(path, fd, size)
    const read = yield* readLayout(stored.config, (offset, length) =>
      Effect.try({
        try: () => readZeroFilled(fd, offset, length),
        catch: (cause) =>
          new IndexError.IoError({ message: `${path}: read failed at byte ${offset}`, operation: "read", offset, cause })
      })).pipe(
        Effect.catchTags({
          NoIndex: (error) => new UsageError({ message: `${path}: ${error.message}` }),
          CorruptData: (error) => new UsageError({ message: `${path}: ${error.message}` })
        })
      )
    const capacity = stored.config.geometry.recordsPerChapter
    const slots = read.slots.map((slot, index): SlotReport =>
      Either.isLeft(slot)
        ? { slot: index, state: "invalid", problem: slot.left.message }
        : slot.right.state === "unsaved"
        ? { slot: index, state: "unsaved" }
        : slotReport(fd, capacity, slot.right)
    )
    const { layout } = read
    return {
      stored,
      read,
      indexBytes: IndexConfig.indexSize(stored.config),
      regions: [layout.header, layout.config, layout.index, layout.volume, ...layout.saves, layout.seal].map(regionReport),
      slots,
      current: Option.match(read.current, { onNone: () => null, onSome: (slot) => slot.slot })
    }
  })
