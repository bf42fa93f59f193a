/**
 * `uds-volume bench`: the benchmark workloads (defined in BENCHMARKS.md, a
 * document kept beside the repository, not in it).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { runBench } from "../bench/runBench.js"
import { jsonFlag } from "../volumeFlags.js"

/** The `bench` command. */
export const bench = Command.make("bench", { json: jsonFlag }, ({ json }) => runBench({ json })).pipe(
  Command.withDescription(
    "run the benchmark workloads on temp files and print their figures beside the reference's: W1 chapter writes, " +
      "W2 cached lookups, W3 cold lookups (256 in flight), W4 the chapter boundary search; exit 1 on a wrong answer, " +
      "3 if it cannot run"
  )
)
