/**
 * The layout checks of `uds-index verify`: what in a layout report is wrong.
 * An empty slot is not wrong (a new index has two); a slot that does not
 * decode is, as is a valid save whose chapters or open chapter do not fit
 * the geometry.
 *
 * @since 0.1.0
 */
import type { LayoutReport } from "./layoutReport.js"

/** Each problem of the layout, as one line. */
export const layoutProblems = (report: LayoutReport): ReadonlyArray<string> => {
  const { chaptersPerVolume } = report.stored.parsed.geometry
  return report.slots.flatMap((slot): ReadonlyArray<string> => {
    if (slot.state === "invalid") return [slot.problem]
    if (slot.state === "unsaved") return []
    const oldest = BigInt(slot.oldestChapter)
    const newest = BigInt(slot.newestChapter)
    return [
      ...(oldest > newest ? [`save slot ${slot.slot}: oldest chapter ${oldest} is after the newest, ${newest}`] : []),
      ...(newest - oldest >= BigInt(chaptersPerVolume)
        ? [`save slot ${slot.slot}: chapters ${oldest}..${newest} are more than the volume's ${chaptersPerVolume}`]
        : []),
      ...(slot.openChapterProblem === null ? [] : [`save slot ${slot.slot}: open chapter: ${slot.openChapterProblem}`])
    ]
  })
}
