/**
 * `uds-index verify FILE`, read-only: the layout checks (super block,
 * configuration, both save slots, the current save's chapters and open
 * chapter), then that the newest save loads (no rebuild needed), then every
 * chapter of the volume as `uds-volume verify` checks it, and that every
 * entry of the saved volume index points at a live chapter. Exit 1 when
 * anything is wrong, each problem printed on its own line.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Console, Effect } from "effect"
import { CheckFailed } from "../CliError.js"
import { checkVolume, volumeCheckText } from "../commands/verify.js"
import { layoutProblems } from "../indexFile/layoutProblems.js"
import { readLayoutReport } from "../indexFile/layoutReport.js"
import { checkSavedVolumeIndex } from "../indexFile/volumeIndexCheck.js"
import { withIndexReadOnly } from "../indexFile/openIndex.js"
import { withReadOnlyFile } from "../indexFile/storedConfig.js"
import { locateVolume } from "../locateVolume.js"
import { jsonFlag, noVolumeFlags } from "../volumeFlags.js"
import { indexFileArg } from "./inspect.js"

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`

// Whether the newest save loads as a clean open would load it, with no rebuild; an I/O failure is passed on.
const saveLoads = (file: string, hasSave: boolean) =>
  withIndexReadOnly(file, "loadNoRebuild", (index) => index.chapters).pipe(
    Effect.map(({ newest, oldest }) => ({
      problem: undefined as string | undefined,
      text: `loads: the newest save, chapters ${oldest}..${newest}`
    })),
    Effect.catchIf((error) => error._tag !== "IoError", (error) =>
      Effect.succeed({
        problem: hasSave
          ? `the newest save does not load: ${error.message}`
          : "no save slot holds a valid save: the index must be rebuilt from its volume",
        text: "loads: no"
      }))
  )

/** The `verify` command. */
export const verify = Command.make("verify", { file: indexFileArg, json: jsonFlag }, ({ file, json }) =>
  Effect.gen(function*() {
    const { report, volumeIndex } = yield* withReadOnlyFile(file, (fd, size) =>
      Effect.map(readLayoutReport(file, fd, size), (report) => ({ report, volumeIndex: checkSavedVolumeIndex(fd, report) })))
    const problems = [...layoutProblems(report)]
    const saved = report.slots.filter((slot) => slot.state === "saved").length
    const layoutText = `layout: super block, configuration and ${plural(report.slots.length, "save slot")} checked ` +
      `(${saved} saved${report.current === null ? "" : `, slot ${report.current} current`})`
    if (!json) yield* Console.log([...problems, layoutText].join("\n"))
    const load = yield* saveLoads(file, report.current !== null)
    if (load.problem !== undefined) problems.push(load.problem)
    if (!json) yield* Console.log([...(load.problem === undefined ? [] : [load.problem]), load.text].join("\n"))
    if (volumeIndex.problem !== null) problems.push(volumeIndex.problem)
    if (!json) yield* Console.log(volumeIndex.text)
    const volume = yield* checkVolume(yield* locateVolume(file, noVolumeFlags), json)
    problems.push(...volume.problems.map((problem) => `volume: ${problem.text}`))
    const summary = problems.length === 0 ? "no problems found" : `${plural(problems.length, "problem")} found`
    if (json) {
      yield* Console.log(JSON.stringify({
        slots: report.slots.length,
        saved,
        current: report.current,
        loads: load.problem === undefined,
        volumeIndexEntries: volumeIndex.entries,
        volume: { boundaries: volume.boundaries, ...volume.tally, problems: volume.problems },
        problems
      }))
    } else {
      yield* Console.log(`volume: ${volumeCheckText(volume)}\n${summary}`)
    }
    if (problems.length > 0) return yield* new CheckFailed({ message: `${file}: ${summary}` })
  })).pipe(Command.withDescription(
    "check a whole index, read-only: its layout and save slots, that the newest save loads, every entry of its " +
      "volume index points at a live chapter, and every chapter of its volume (as uds-volume verify); exit 1 " +
      "naming each problem found"
  ))
