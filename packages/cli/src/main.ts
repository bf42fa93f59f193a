/**
 * The `uds-volume` command line: its commands, and the mapping of every way
 * a command can end to one line on stderr and an exit code.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import type * as NodeContext from "@effect/platform-node/NodeContext"
import type { Effect } from "effect"
import { UsageError } from "./CliError.js"
import { bench } from "./commands/bench.js"
import { boundaries } from "./commands/boundaries.js"
import { demo } from "./commands/demo.js"
import { inspect } from "./commands/inspect.js"
import { lookup } from "./commands/lookup.js"
import { verify } from "./commands/verify.js"
import { makeRun } from "./runner.js"

const COMMANDS = "demo, inspect, verify, lookup, boundaries or bench"

/** The root command with every subcommand; alone, it is a usage error pointing at `--help`. */
export const command = Command.make("uds-volume", {}, () =>
  new UsageError({
    message: `no command given: usage: uds-volume <command> [flags], the command one of ${COMMANDS}; ` +
      "uds-volume --help lists them, uds-volume <command> --help its flags"
  })).pipe(
    Command.withDescription("inspect, verify, look up and demo UDS volumes"),
    Command.withSubcommands([demo, inspect, verify, lookup, boundaries, bench])
  )

const cli = Command.run(command, { name: "uds-volume", version: "0.1.0" })

/**
 * Runs the command line `argv` (as in `process.argv`: node, script, then the
 * arguments) and succeeds with its exit code (`ExitCode`): 0 done, 1 problems
 * found, 2 bad input (usage, a file that is not a volume, a corrupt volume),
 * 3 a failure to do the work (I/O, a bug), 130 interrupted. Never fails;
 * prints no stack trace.
 */
export const run: (argv: ReadonlyArray<string>) => Effect.Effect<number, never, NodeContext.NodeContext> = makeRun(
  "uds-volume",
  cli
)
