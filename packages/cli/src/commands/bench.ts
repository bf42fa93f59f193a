/**
 * `uds-volume bench`: the benchmark workloads of BENCHMARKS.md.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { runBench } from "../bench/runBench.js"
import { jsonFlag } from "../volumeFlags.js"

/** The `bench` command. */
export const bench = Command.make("bench", { json: jsonFlag }, ({ json }) => runBench({ json })).pipe(
  Command.withDescription("run the benchmark workloads W1-W4 (BENCHMARKS.md)")
)
