/**
 * `uds-volume bench`: the benchmark workloads (defined in BENCHMARKS.md, a
 * document kept beside the repository, not in it).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option } from "effect"
import { type Part, PARTS, runBench } from "../bench/runBench.js"
import { jsonFlag } from "../volumeFlags.js"

const onlyFlag = Options.text("only").pipe(
  Options.withDescription(`run only these parts, comma-separated (${PARTS.join(", ")}; default: all)`),
  Options.optional
)

const parseOnly = (text: string): Effect.Effect<ReadonlyArray<Part>, Error> => {
  const parts = text.split(",").map((part) => part.trim().toUpperCase()).filter((part) => part !== "")
  const unknown = parts.filter((part) => !(PARTS as ReadonlyArray<string>).includes(part))
  return unknown.length > 0 || parts.length === 0
    ? Effect.fail(new Error(`--only takes parts from ${PARTS.join(", ")}, comma-separated; got "${text}"`))
    : Effect.succeed(parts as ReadonlyArray<Part>)
}

/** The `bench` command. */
export const bench = Command.make("bench", { json: jsonFlag, only: onlyFlag }, ({ json, only }) =>
  Option.match(only, {
    onNone: () => runBench({ json }),
    onSome: (text) => Effect.flatMap(parseOnly(text), (parts) => runBench({ json, only: parts }))
  })).pipe(
    Command.withDescription(
      "run the benchmark workloads on temp files and print their figures beside the reference's, scaled by the " +
        "machine score: W1 chapter writes, W2 cached lookups, W3 cold lookups (256 in flight), W4 the chapter " +
        "boundary search, W5 a cold flood, V1 the volume index; exit 1 on a wrong answer, 3 if it cannot run"
    )
  )
