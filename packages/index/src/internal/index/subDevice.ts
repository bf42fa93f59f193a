/**
 * A block device that is a byte range of another: the volume region of an
 * index is one, at the layout's volume offset on the index's device. Every
 * access is checked against the range, then shifted onto the device beneath.
 * The device's direct reader (the file device's way for the read queue to
 * read without an Effect per page, on the calling thread while reads are
 * fast) is passed on shifted too: without it every volume read of the index
 * would take the queue's reader fibers and a fresh page buffer.
 *
 * @internal
 */
import type { BlockDevice } from "@effect-uds/volume"
import { VolumeError } from "@effect-uds/volume"
import { type DirectReader, directReaderOf, directReadKey } from "@effect-uds/volume/internal/device/directRead"
import { Effect } from "effect"

const outside = (operation: string, offset: number, length: number, size: number) =>
  new VolumeError.InvalidArgument({
    message: `${operation} of ${length} bytes at ${offset} is outside the ${size}-byte range; ` +
      `offsets and lengths are non-negative integers within it`
  })

const inRange = (offset: number, length: number, size: number): boolean =>
  Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size

// A read outside the range, as the direct reader reports errors: an IoError.
const outsideRead = (offset: number, length: number, size: number) =>
  new VolumeError.IoError({ message: outside("read", offset, length, size).message, operation: "read", offset })

/** The direct reader of `reader` for the bytes `start` .. `start + size`. */
const shiftedReader = (reader: DirectReader, start: number, size: number): DirectReader => {
  const readSync = reader.readSync
  return {
    read: (offset, target, done) =>
      inRange(offset, target.length, size)
        ? reader.read(start + offset, target, done)
        : done(outsideRead(offset, target.length, size)),
    syncNow: reader.syncNow,
    readSync: readSync === undefined ? undefined : (offset, target) =>
      inRange(offset, target.length, size)
        ? readSync(start + offset, target)
        : outsideRead(offset, target.length, size)
  }
}

/** The bytes `start` .. `start + size` of `device` as a device of its own. */
export const subDevice = (device: BlockDevice.Service, start: number, size: number): BlockDevice.Service => {
  const readInto = device.readInto
  const direct = directReaderOf(device)
  return {
    size,
    read: (offset, length) =>
      inRange(offset, length, size)
        ? device.read(start + offset, length)
        : Effect.fail(outside("read", offset, length, size)),
    write: (offset, data) =>
      inRange(offset, data.length, size)
        ? device.write(start + offset, data)
        : Effect.fail(outside("write", offset, data.length, size)),
    flush: device.flush,
    ...(readInto === undefined ? {} : {
      readInto: (offset: number, target: Uint8Array) =>
        inRange(offset, target.length, size)
          ? readInto(start + offset, target)
          : Effect.fail(outside("read", offset, target.length, size))
    }),
    ...(direct === undefined ? {} : { [directReadKey]: shiftedReader(direct, start, size) })
  }
}
