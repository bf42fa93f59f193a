/**
 * Running a command line (shared by `uds-volume` and `uds-index`): every way
 * a command can end becomes one line on stderr ("NAME: what was wrong") and
 * an exit code.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import type * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Console, Effect, Logger } from "effect"
import { ExitCode, exitCodeOf } from "./CliError.js"

const fail = (message: string, code: number) => Effect.as(Console.error(message), code)

const withoutColour = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, "")

// @effect/cli colours its help with ANSI codes; they belong on a terminal only, not in a pipe or file.
const colourOnTerminal = (text: unknown): unknown =>
  typeof text === "string" && (process.stdout.isTTY !== true || process.env["NO_COLOR"] !== undefined)
    ? withoutColour(text)
    : text

const cliConsole = (name: string, console: Console.Console): Console.Console => {
  // Every error message, ours or @effect/cli's, as one line: "NAME: what was wrong".
  const oneLine = (text: string): string => {
    const lines = withoutColour(text).split("\n").map((line) => line.trim()).filter((line) => line !== "")
    return `${name}: ${lines.join(": ")}`
  }
  return {
    ...console,
    log: (...args) => console.log(...args.map(colourOnTerminal)),
    error: (...args) => console.error(...args.map((arg) => (typeof arg === "string" ? oneLine(arg) : arg)))
  }
}

// Log lines (an index rebuilding, a failed save at close) go to stderr, so stdout keeps only results and --json.
const stderrLogger = (name: string) =>
  Logger.make(({ logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    process.stderr.write(`${name}: ${logLevel.label.toLowerCase()}: ${text}\n`)
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
 * The `run` of a command line named `name` made by `Command.run`: runs
 * `argv` (node, script, then the arguments) and succeeds with its exit code
 * (`ExitCode`). Never fails; prints no stack trace.
 */
export const makeRun = <E>(
  name: string,
  cli: (argv: ReadonlyArray<string>) => Effect.Effect<void, E | ValidationError.ValidationError, NodeContext.NodeContext>
) =>
(argv: ReadonlyArray<string>): Effect.Effect<number, never, NodeContext.NodeContext> =>
  Console.consoleWith((console) =>
    Effect.withConsole(
      cli(argv).pipe(
        Effect.as<number>(ExitCode.Ok),
        Effect.catchAllCause((cause) => {
          if (Cause.isInterruptedOnly(cause)) return Effect.succeed(ExitCode.Interrupted)
          const failure = Cause.failureOption(cause)
          if (failure._tag === "Some") return onFailure(failure.value)
          const defect = Cause.squash(cause)
          return fail(`internal error: ${defect instanceof Error ? defect.message : String(defect)}`, ExitCode.Failure)
        })
      ),
      cliConsole(name, console)
    ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger(name))))
  )

