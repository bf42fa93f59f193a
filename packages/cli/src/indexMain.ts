/**
 * The `uds-index` command line: find duplicate blocks in real data, and
 * inspect, verify and benchmark whole UDS indexes.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import type * as NodeContext from "@effect/platform-node/NodeContext"
import type { Effect } from "effect"
import { UsageError } from "./CliError.js"
import { bench } from "./indexCommands/bench.js"
import { create } from "./indexCommands/create.js"
import { dedup } from "./indexCommands/dedup.js"
import { inspect } from "./indexCommands/inspect.js"
import { post, query } from "./indexCommands/query.js"
import { stats } from "./indexCommands/stats.js"
import { verify } from "./indexCommands/verify.js"
import { makeRun } from "./runner.js"

const COMMANDS = "dedup, create, stats, query, post, inspect, verify or bench"

/** The root command with every subcommand; alone, it is a usage error pointing at `--help`. */
export const command = Command.make("uds-index", {}, () =>
  new UsageError({
    message: `no command given: usage: uds-index <command> [flags], the command one of ${COMMANDS}; ` +
      "uds-index --help lists them, uds-index <command> --help its flags"
  })).pipe(
    Command.withDescription("find duplicate blocks in real data; inspect, verify and benchmark whole UDS indexes"),
    Command.withSubcommands([dedup, create, stats, query, post, inspect, verify, bench])
  )

const cli = Command.run(command, { name: "uds-index", version: "0.1.0" })

/**
 * Runs the command line `argv` (node, script, then the arguments) and
 * succeeds with its exit code: 0 done, 1 problems found, 2 bad input, 3 a
 * failure to do the work, 130 interrupted. Never fails; prints no stack trace.
 */
export const run: (argv: ReadonlyArray<string>) => Effect.Effect<number, never, NodeContext.NodeContext> = makeRun(
  "uds-index",
  cli
)
