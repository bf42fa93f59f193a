/**
 * `uds-index verify`'s check of the saved volume index: the current save's
 * zone streams are loaded (in memory, read-only) and every entry is walked,
 * so an entry that points past the newest chapter, or a list whose bits do
 * not decode, is reported.
 *
 * @since 0.1.0
 */
import { VolumeIndex } from "@effect-uds/index"
import { Either } from "effect"
import type { LayoutReport } from "./layoutReport.js"
import { readZeroFilled } from "./storedConfig.js"

/** What the walk found, or `null` fields when there is no save to check. */
export interface VolumeIndexCheck {
  readonly entries: number | null
  readonly problem: string | null
  readonly text: string
}

/** Checks the volume index of the current save of `report`, reading its streams from `fd`. */
export const checkSavedVolumeIndex = (fd: number, report: LayoutReport): VolumeIndexCheck => {
  const slot = report.slots.find((s) => s.slot === report.current)
  if (slot === undefined || slot.state !== "saved") {
    return { entries: null, problem: null, text: "volume index: no save to check" }
  }
  const streams = slot.regions
    .filter((region) => region.kind === "VolumeIndex")
    .map((region) => readZeroFilled(fd, region.byteOffset, region.byteLength))
  const loaded = VolumeIndex.load(report.stored.config.geometry, streams, {
    nonce: report.stored.parsed.volumeNonce,
    zoneCount: streams.length
  })
  if (Either.isLeft(loaded)) {
    const problem = `volume index: the saved streams do not load: ${loaded.left.message}`
    return { entries: null, problem, text: problem }
  }
  const check = VolumeIndex.checkEntries(loaded.right)
  const problem = check.undecodableList !== undefined
    ? `volume index: delta list ${check.undecodableList} does not decode`
    : check.aboveHigh > 0
    ? `volume index: ${check.aboveHigh} of ${check.entries} entries point past the newest chapter`
    : null
  const text = problem ??
    `volume index: all ${check.entries} entries point at live chapters` +
      (check.expired > 0 ? ` (${check.expired} of expired chapters, not yet flushed)` : "")
  return { entries: check.entries, problem, text }
}
