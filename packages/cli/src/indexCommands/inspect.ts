/**
 * `uds-index inspect FILE`: everything about a whole index, read-only: the
 * super block's regions, the stored configuration and geometry, both save
 * slots (valid or not, timestamp, chapters, zones), the slot a load uses,
 * its open chapter's size and its volume index's entries.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type { IndexError } from "@effect-uds/index"
import type { VolumeError } from "@effect-uds/volume"
import { Console, Effect } from "effect"
import { geometryJson, geometryText } from "../format.js"
import { type LayoutReport, readLayoutReport, type RegionReport, type SlotReport } from "../indexFile/layoutReport.js"
import { withIndexReadOnly } from "../indexFile/openIndex.js"
import { withReadOnlyFile } from "../indexFile/storedConfig.js"
import { jsonFlag } from "../volumeFlags.js"

/** FILE: a whole UDS index. */
export const indexFileArg: Args.Args<string> = Args.text({ name: "FILE" }).pipe(
  Args.withDescription("a UDS index file (super block at byte 0)")
)

/** The volume index of the newest save, as loaded (read-only): its entries, or why it does not load. */
interface VolumeIndexReport {
  readonly entries: number | null
  readonly collisions: number | null
  readonly problem: string | null
}

const loadVolumeIndex = (file: string): Effect.Effect<VolumeIndexReport, IndexError.IoError | VolumeError.IoError> =>
  withIndexReadOnly(file, "loadNoRebuild", (index) => index.stats).pipe(
    Effect.map((stats) => ({ entries: stats.entriesIndexed, collisions: stats.collisions, problem: null })),
    Effect.catchIf((error) => error._tag !== "IoError", (error) =>
      Effect.succeed({ entries: null, collisions: null, problem: error.message }))
  )

/** The report as one JSON object. */
export const layoutJson = (report: LayoutReport) => {
  const { config, fileSize, parsed } = report.stored
  return {
    fileSize,
    indexBytes: report.indexBytes,
    superBlockVersion: parsed.superBlockVersion,
    configuration: {
      memorySize: config.memorySize,
      sparse: config.sparse,
      reduced: config.reduced,
      ...parsed.configuration,
      userNonce: parsed.configuration.userNonce.toString()
    },
    geometry: geometryJson(parsed.geometry),
    volumeNonce: parsed.volumeNonce.toString(),
    primaryNonce: parsed.primaryNonce.toString(),
    regions: report.regions,
    slots: report.slots,
    current: report.current
  }
}

const regionText = (region: RegionReport): string =>
  `  ${(region.kind + (region.instance === null ? "" : ` ${region.instance}`)).padEnd(16)} ` +
  `blocks ${String(region.startBlock).padStart(8)} +${String(region.blockCount).padEnd(8)} ` +
  `bytes ${region.byteOffset}..${region.byteOffset + region.byteLength - 1}`

const slotText = (slot: SlotReport, current: number | null): ReadonlyArray<string> => {
  if (slot.state === "invalid") return [`slot ${slot.slot}: invalid: ${slot.problem}`]
  if (slot.state === "unsaved") return [`slot ${slot.slot}: empty (no save)`]
  return [
    `slot ${slot.slot}: saved ${slot.time} (timestamp ${slot.timestamp})${current === slot.slot ? ", the one a load uses" : ""}`,
    `  chapters ${slot.oldestChapter}..${slot.newestChapter} (${slot.newestChapter} open), last save ` +
    `${slot.lastSave ?? "none"}, ${slot.zones} zone${slot.zones === 1 ? "" : "s"}`,
    `  open chapter: ${slot.openChapterRecords === null ? `unreadable (${slot.openChapterProblem})` : `${slot.openChapterRecords} records`}`,
    ...slot.regions.map((region) => "  " + regionText(region))
  ]
}

/** The report as text lines. */
export const layoutText = (file: string, report: LayoutReport): ReadonlyArray<string> => {
  const { config, fileSize, parsed } = report.stored
  return [
    `file:          ${file}: ${fileSize} bytes; the index spans ${report.indexBytes}` +
    (fileSize < report.indexBytes ? " (the rest reads as zeros)" : ""),
    `configuration: ${config.memorySize === "tiny" ? "tiny" : `${config.memorySize} GB`} ` +
    `${config.sparse ? "sparse" : "dense"}${config.reduced ? " reduced" : ""}, nonce ${config.nonce}, ` +
    `super block version ${parsed.superBlockVersion}, record "${parsed.configuration.version}"`,
    `geometry:      ${geometryText(parsed.geometry)}`,
    `nonces:        volume ${parsed.volumeNonce}, primary ${parsed.primaryNonce}`,
    "regions:",
    ...report.regions.map(regionText),
    ...report.slots.flatMap((slot) => slotText(slot, report.current)),
    report.current === null ? "no valid save: a load rebuilds from the volume" : `a load uses slot ${report.current}`
  ]
}

/** The `inspect` command. */
export const inspect = Command.make("inspect", { file: indexFileArg, json: jsonFlag }, ({ file, json }) =>
  withReadOnlyFile(file, (fd, size) =>
    Effect.gen(function*() {
      const report = yield* readLayoutReport(file, fd, size)
      const volumeIndex = yield* loadVolumeIndex(file)
      yield* Console.log(
        json
          ? JSON.stringify({ ...layoutJson(report), volumeIndex })
          : [
            ...layoutText(file, report),
            volumeIndex.problem === null
              ? `volume index: ${volumeIndex.entries} entries (${volumeIndex.collisions} collisions) in the newest save`
              : `volume index: not loaded: ${volumeIndex.problem}`
          ].join("\n")
      )
    }))).pipe(Command.withDescription(
    "show a whole index: its regions, configuration, geometry, both save slots, the open chapter's size and the " +
      "volume index's entries (read-only)"
  ))
