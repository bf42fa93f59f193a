/**
 * The `uds-volume` command line: its commands, and the mapping of every way
 * a command can end to one line on stderr and an exit code.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Console, Effect } from "effect"
import { ExitCode, exitCodeOf, UsageError } from "./CliError.js"
import { bench } from "./commands/bench.js"
import { boundaries } from "./commands/boundaries.js"
import { demo } from "./commands/demo.js"
import { inspect } from "./commands/inspect.js"
import { lookup } from "./commands/lookup.js"
import { verify } from "./commands/verify.js"

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

const fail = (message: string, code: number) => Effect.as(Console.error(message), code)

const withoutColour = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, "")

// Every error message, ours or @effect/cli's, as one line: "uds-volume: what was wrong".
const oneLine = (text: string): string => {
  const lines = withoutColour(text).split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return `uds-volume: ${lines.join(": ")}`
}

// @effect/cli colours its help with ANSI codes; they belong on a terminal only, not in a pipe or file.
const colourOnTerminal = (text: unknown): unknown =>
  typeof text === "string" && (process.stdout.isTTY !== true || process.env["NO_COLOR"] !== undefined)
    ? withoutColour(text)
    : text

const cliConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) => console.log(...args.map(colourOnTerminal)),
  error: (...args) => console.error(...args.map((arg) => (typeof arg === "string" ? oneLine(arg) : arg)))
})

// The exit code of a failure, after printing it in one line.
const onFailure = (error: unknown): Effect.Effect<number> => {
  // @effect/cli has already printed what was wrong with the command line.
  if (ValidationError.isValidationError(error)) return Effect.succeed(ExitCode.BadInput)
  const message = error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
    ? String(error.message)
    : `internal error: ${String(error)}`
  return fail(message, exitCodeOf(error))
}

/**
 * Runs the command line `argv` (as in `process.argv`: node, script, then the
 * arguments) and succeeds with its exit code (`ExitCode`): 0 done, 1 problems
 * found, 2 bad input (usage, a file that is not a volume, a corrupt volume),
 * 3 a failure to do the work (I/O, a bug), 130 interrupted. Never fails;
 * prints no stack trace.
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, NodeContext.NodeContext> =>
  Console.consoleWith((console) => Effect.withConsole(runCli(argv), cliConsole(console)))

const runCli = (argv: ReadonlyArray<string>): Effect.Effect<number, never, NodeContext.NodeContext> =>
  cli(argv).pipe(
    Effect.as<number>(ExitCode.Ok),
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(ExitCode.Interrupted)
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some") return onFailure(failure.value)
      const defect = Cause.squash(cause)
      return fail(`internal error: ${defect instanceof Error ? defect.message : String(defect)}`, ExitCode.Failure)
    })
  )
