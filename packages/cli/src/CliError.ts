/**
 * The errors the command-line tool ends with, and the exit code each ends
 * the process with (main.ts maps them, by tag, at the edge).
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Bad input: a missing file, a file that is not a volume, a flag value out of
 * range, a malformed name. The message is one line naming what was wrong.
 */
export class UsageError extends Data.TaggedError("UsageError")<{
  readonly message: string
}> {}

/** A check ran to the end and found problems (already printed); exit code 1. */
export class CheckFailed extends Data.TaggedError("CheckFailed")<{
  readonly message: string
}> {}

/** Exit codes of `uds-volume`. */
export const ExitCode = {
  /** Done (`lookup` of a name that is not there is done too). */
  Ok: 0,
  /** A check ran and found problems: `verify`, or a wrong answer in `demo` or `bench`. */
  ProblemsFound: 1,
  /** Bad input: the command line, a missing file, a file that is not a volume or is corrupt where it was read. */
  BadInput: 2,
  /** The work could not be done: an I/O error, a failure at run time, or a bug. */
  Failure: 3,
  /** Interrupted (Ctrl-C). */
  Interrupted: 130
} as const

/** The tags of the typed errors that can end a command, with the exit code each gives. */
const EXIT_CODE_OF_TAG: ReadonlyMap<unknown, number> = new Map([
  ["CheckFailed", ExitCode.ProblemsFound],
  ["UsageError", ExitCode.BadInput],
  ["InvalidArgument", ExitCode.BadInput],
  ["CorruptData", ExitCode.BadInput],
  ["IoError", ExitCode.Failure]
])

/**
 * The exit code a command's failure ends with: by its tag (CheckFailed 1;
 * UsageError, InvalidArgument, CorruptData 2; IoError 3); anything else,
 * a plain `Error` included, is a failure to do the work (3).
 */
export const exitCodeOf = (error: unknown): number => {
  const tag = typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined
  return EXIT_CODE_OF_TAG.get(tag) ?? ExitCode.Failure
}
