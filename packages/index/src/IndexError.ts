/**
 * The typed errors of the whole index (API-index.md). Every effectful
 * operation lists only the ones it can raise; callers select them with
 * `Effect.catchTag`.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Bad input from the caller: a name or data not 16 bytes, a configuration
 * out of range. The message says what was wrong and what is allowed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{
  readonly message: string
}> {}

/**
 * No index on the device, or its stored configuration differs from the one
 * given.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoIndex extends Data.TaggedError("NoIndex")<{
  readonly message: string
}> {}

/**
 * `loadNoRebuild` found no save that loads cleanly.
 *
 * @since 0.1.0
 * @category errors
 */
export class NeedsRebuild extends Data.TaggedError("NeedsRebuild")<{
  readonly message: string
}> {}

/**
 * The device is smaller than `offset + indexSize(config)`.
 *
 * @since 0.1.0
 * @category errors
 */
export class StorageTooSmall extends Data.TaggedError("StorageTooSmall")<{
  readonly message: string
  readonly required: number
  readonly available: number
}> {}

/**
 * An earlier request failed; the index refuses requests until reopened.
 *
 * @since 0.1.0
 * @category errors
 */
export class Disabled extends Data.TaggedError("Disabled")<{
  readonly message: string
}> {}

/**
 * A structure on the device, or a saved stream, failed validation; the
 * message says what and where.
 *
 * @since 0.1.0
 * @category errors
 */
export class CorruptData extends Data.TaggedError("CorruptData")<{
  readonly message: string
  readonly offset?: number
}> {}

/**
 * The device failed (operation and offset).
 *
 * @since 0.1.0
 * @category errors
 */
export class IoError extends Data.TaggedError("IoError")<{
  readonly message: string
  readonly operation: "open" | "read" | "write" | "flush"
  readonly offset?: number
  readonly cause?: unknown
}> {}

/**
 * Every error of the whole index.
 *
 * @since 0.1.0
 * @category errors
 */
export type IndexError = InvalidArgument | NoIndex | NeedsRebuild | StorageTooSmall | Disabled | CorruptData | IoError
