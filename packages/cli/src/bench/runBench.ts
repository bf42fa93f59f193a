// Placeholder: the benchmark of ../shared/BENCHMARKS.md (W1–W4) lands here.
import { Effect } from "effect"

/** Options of a benchmark run. */
export interface BenchOptions {
  /** One JSON object per line on stdout instead of the table. */
  readonly json: boolean
}

/** Runs the benchmark workloads and prints their figures. */
export const runBench = (_options: BenchOptions): Effect.Effect<void, Error> =>
  Effect.fail(new Error("the benchmark is not written yet"))
