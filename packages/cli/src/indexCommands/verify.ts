/**
 * `uds-index verify FILE`: the layout checks (super block, configuration,
 * both save slots, the current save's chapters and open chapter), read-only.
 * Exit 1 when anything is wrong, each problem printed on its own line.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Console, Effect } from "effect"
import { CheckFailed } from "../CliError.js"
import { layoutProblems } from "../indexFile/layoutProblems.js"
import { readLayoutReport } from "../indexFile/layoutReport.js"
import { withReadOnlyFile } from "../indexFile/storedConfig.js"
import { jsonFlag } from "../volumeFlags.js"
import { indexFileArg } from "./inspect.js"

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`

/** The `verify` command. */
export const verify = Command.make("verify", { file: indexFileArg, json: jsonFlag }, ({ file, json }) =>
  withReadOnlyFile(file, (fd, size) =>
    Effect.gen(function*() {
      const report = yield* readLayoutReport(file, fd, size)
      const problems = layoutProblems(report)
      const saved = report.slots.filter((slot) => slot.state === "saved").length
      const summary = problems.length === 0 ? "no problems found" : `${plural(problems.length, "problem")} found`
      if (json) {
        yield* Console.log(JSON.stringify({ slots: report.slots.length, saved, current: report.current, problems }))
      } else {
        yield* Console.log(
          [
            ...problems,
            `layout: super block, configuration and ${plural(report.slots.length, "save slot")} checked ` +
            `(${saved} saved${report.current === null ? "" : `, slot ${report.current} current`})`,
            summary
          ].join("\n")
        )
      }
      if (problems.length > 0) return yield* new CheckFailed({ message: `${file}: ${summary}` })
    }))).pipe(Command.withDescription(
    "check a whole index, read-only: its layout and save slots; exit 1 naming each problem found"
  ))
