/**
 * The errors the command-line tool ends with, each tied to an exit code at
 * the edge (main.ts): bad input is 2, a check that found problems is 1.
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
  Ok: 0,
  ProblemsFound: 1,
  BadInput: 2,
  InternalError: 3,
  Interrupted: 130
} as const
