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
import { ExitCode } from "./CliError.js"
import { bench } from "./commands/bench.js"
import { boundaries } from "./commands/boundaries.js"
import { demo } from "./commands/demo.js"
import { inspect } from "./commands/inspect.js"
import { lookup } from "./commands/lookup.js"
import { verify } from "./commands/verify.js"

/** The root command with every subcommand. */
export const command = Command.make("uds-volume").pipe(
  Command.withDescription("inspect, verify, look up and demo UDS volumes"),
  Command.withSubcommands([demo, inspect, verify, lookup, boundaries, bench])
)

const cli = Command.run(command, { name: "uds-volume", version: "0.1.0" })

const fail = (message: string, code: number) => Effect.as(Console.error(message), code)

// Every error message, ours or @effect/cli's, as one line: "uds-volume: what was wrong".
const oneLine = (text: string): string => {
  const lines = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return `uds-volume: ${lines.join(": ")}`
}

const oneLineErrors = (console: Console.Console): Console.Console => ({
  ...console,
  error: (...args) => console.error(...args.map((arg) => (typeof arg === "string" ? oneLine(arg) : arg)))
})

// The exit code of a failure, after printing it in one line.
const onFailure = (error: unknown): Effect.Effect<number> => {
  // @effect/cli has already printed what was wrong with the command line.
  if (ValidationError.isValidationError(error)) return Effect.succeed(ExitCode.BadInput)
  if (typeof error === "object" && error !== null && "_tag" in error && "message" in error) {
    const message = String(error.message)
    switch (error._tag) {
      case "CheckFailed":
        return fail(message, ExitCode.ProblemsFound)
      case "UsageError":
      case "CorruptData":
      case "InvalidArgument":
      case "IoError":
        return fail(message, ExitCode.BadInput)
    }
  }
  if (error instanceof Error) return fail(error.message, ExitCode.ProblemsFound)
  return fail(`internal error: ${String(error)}`, ExitCode.InternalError)
}

/**
 * Runs the command line `argv` (as in `process.argv`: node, script, then the
 * arguments) and succeeds with its exit code: 0 done, 1 problems found, 2 bad
 * input (usage, a file that is not a volume, an unreadable volume), 3 an
 * internal error, 130 interrupted. Never fails; prints no stack trace.
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, NodeContext.NodeContext> =>
  Console.consoleWith((console) => Effect.withConsole(runCli(argv), oneLineErrors(console)))

const runCli = (argv: ReadonlyArray<string>): Effect.Effect<number, never, NodeContext.NodeContext> =>
  cli(argv).pipe(
    Effect.as<number>(ExitCode.Ok),
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(ExitCode.Interrupted)
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some") return onFailure(failure.value)
      const defect = Cause.squash(cause)
      return fail(`internal error: ${defect instanceof Error ? defect.message : String(defect)}`, ExitCode.InternalError)
    })
  )
