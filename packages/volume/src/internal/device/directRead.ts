/**
 * A way for the read queue to read a device's pages without an Effect per
 * read: a device that can (the file device) attaches a `DirectReader` under
 * a symbol. The `Service` type is unchanged, and wrappers (faulty,
 * crashable) do not forward it, so the queue reads through them, and
 * through any user device, with the device's Effects as before.
 *
 * @internal
 */
import type { Service } from "../../BlockDevice.js"
import type { IoError } from "../../VolumeError.js"

/** The symbol a device's `DirectReader` hangs on. */
export const directReadKey: unique symbol = Symbol.for("@effect-uds/volume/DirectRead")

/**
 * Page reads on the bare device. Callers pass in-range offsets (the volume
 * checked the device size); an out-of-range read is an IoError.
 */
export interface DirectReader {
  /** Starts reading `target.length` bytes at `offset` into `target`; calls `done` once, with the error if any. */
  readonly read: (offset: number, target: Uint8Array, done: (error: IoError | undefined) => void) => void
  /**
   * Whether a read now should be made with `readSync` (the device reads on
   * the calling thread while its reads are fast, see readMode.ts).
   */
  readonly syncNow: () => boolean
  /**
   * Absent when the device was opened to read asynchronously only: reads at
   * once on the calling thread, returning the error if any. Call it only
   * when `syncNow()` says so.
   */
  readonly readSync: ((offset: number, target: Uint8Array) => IoError | undefined) | undefined
}

/** A device with its direct reader attached. */
export type WithDirectReader = Service & { readonly [directReadKey]: DirectReader }

/** The device's direct reader, if it has one. */
export const directReaderOf = (device: Service): DirectReader | undefined =>
  (device as Partial<WithDirectReader>)[directReadKey]
