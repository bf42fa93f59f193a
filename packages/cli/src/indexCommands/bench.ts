/**
 * `uds-index bench`: the whole-index workloads I1–I5 of BENCHMARKS.md (a
 * document kept beside the repository), as `uds-volume bench` runs W1–W4.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Option } from "effect"
import { runIndexBench } from "../indexBench/runIndexBench.js"
import { integerOption } from "../integerOption.js"
import { jsonFlag } from "../volumeFlags.js"

const requestsOption = integerOption("requests", { min: 1000, max: 10_000_000 }, "requests in each of I1, I2, I3 (default 1000000)")
  .pipe(Options.withDefault(1_000_000))

const zonesOption = integerOption("zones", { min: 1, max: 2 }, "run with this many zones only (default: 1, then 2)")
  .pipe(Options.optional)

/** The `bench` command. */
export const bench = Command.make("bench", { json: jsonFlag, requests: requestsOption, zones: zonesOption }, (options) =>
  runIndexBench({ ...options, zones: Option.getOrUndefined(options.zones) })).pipe(Command.withDescription(
    "run the whole-index workloads on a 0.25 GB dense index in a temp file and print their figures beside the " +
      "reference's: I1 posts, I2 queries of posted names, I3 queries of fresh names, I4 save and load, I5 rebuild; " +
      "exit 1 on a wrong answer"
  ))
