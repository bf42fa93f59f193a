/**
 * The typed errors of the volume. Every effectful operation lists only the
 * ones it can raise; callers select them with `Effect.catchTag`.
 *
 * @since 0.1.0
 */
import { Data, type Effect } from "effect"

/**
 * A page or structure failed validation: a bad header, a nonce or chapter
 * mismatch, a page that disagrees with the index page map, or an encoding
 * that cannot be decoded.
 *
 * @since 0.1.0
 * @category errors
 */
export class CorruptData extends Data.TaggedError("CorruptData")<{
  readonly message: string
  readonly physicalPage?: number
}> {}

/**
 * The device failed. `offset` is the byte offset on the device, where known.
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
 * A non-blocking lookup needs a page that is being read. `ready` completes
 * when that read has finished, successfully or not; retry the lookup then.
 *
 * @since 0.1.0
 * @category errors
 */
export class Queued extends Data.TaggedError("Queued")<{
  readonly message: string
  readonly physicalPage: number
  readonly ready: Effect.Effect<void>
}> {}

/**
 * Bad input from the caller: a geometry out of range, a name or record of the
 * wrong length, a chapter or page out of range, a device too small.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{
  readonly message: string
}> {}

/**
 * The errors a volume operation can fail with (`Queued` appears only where stated).
 *
 * @since 0.1.0
 * @category errors
 */
export type VolumeError = CorruptData | IoError | InvalidArgument
