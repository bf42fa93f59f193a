/**
 * The volume package's errors as the index's: the same tags, so a caller
 * sees one error vocabulary.
 *
 * @internal
 */
import type { VolumeError } from "@effect-uds/volume"
import { CorruptData, type IndexError, InvalidArgument, IoError } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"

type VolumeFailure = VolumeError.CorruptData | VolumeError.IoError | VolumeError.InvalidArgument

/** A volume or device error as an index error. */
export const fromVolume = (error: VolumeFailure): CorruptData | IoError | InvalidArgument => {
  switch (error._tag) {
    case "CorruptData":
      return new CorruptData({
        message: error.message,
        ...(error.physicalPage === undefined ? {} : { offset: error.physicalPage })
      })
    case "IoError":
      return new IoError({
        message: error.message,
        operation: error.operation,
        ...(error.offset === undefined ? {} : { offset: error.offset }),
        cause: error
      })
    case "InvalidArgument":
      return new InvalidArgument({ message: error.message })
  }
}

/** A device access outside the device is the index's own bug made visible as an I/O failure. */
export const deviceFailure = (operation: "read" | "write" | "flush", offset: number) => (error: VolumeFailure): IoError =>
  error._tag === "IoError"
    ? new IoError({ message: error.message, operation: error.operation, offset, cause: error })
    : new IoError({ message: `device ${operation} at byte ${offset} failed: ${error.message}`, operation, offset, cause: error })

/** The typed error of a volume index status that stops a request or a rebuild. */
export const statusFailure = (status: VolumeIndex.Status, record: VolumeIndex.Record): IndexError =>
  VolumeIndex.failure(status, record) ??
    new CorruptData({ message: `the volume index answered status ${status} where it cannot: ${record.problem}` })
