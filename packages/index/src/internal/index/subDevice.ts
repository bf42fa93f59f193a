/**
 * A block device that is a byte range of another: the volume region of an
 * index is one, at the layout's volume offset on the index's device. Every
 * access is checked against the range, then shifted onto the device beneath.
 *
 * @internal
 */
import type { BlockDevice } from "@effect-uds/volume"
import { VolumeError } from "@effect-uds/volume"
import { Effect } from "effect"

const outside = (operation: string, offset: number, length: number, size: number) =>
  Effect.fail(
    new VolumeError.InvalidArgument({
      message: `${operation} of ${length} bytes at ${offset} is outside the ${size}-byte range; ` +
        `offsets and lengths are non-negative integers within it`
    })
  )

const inRange = (offset: number, length: number, size: number): boolean =>
  Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size

/** The bytes `start` .. `start + size` of `device` as a device of its own. */
export const subDevice = (device: BlockDevice.Service, start: number, size: number): BlockDevice.Service => {
  const readInto = device.readInto
  return {
    size,
    read: (offset, length) =>
      inRange(offset, length, size) ? device.read(start + offset, length) : outside("read", offset, length, size),
    write: (offset, data) =>
      inRange(offset, data.length, size)
        ? device.write(start + offset, data)
        : outside("write", offset, data.length, size),
    flush: device.flush,
    ...(readInto === undefined ? {} : {
      readInto: (offset: number, target: Uint8Array) =>
        inRange(offset, target.length, size)
          ? readInto(start + offset, target)
          : outside("read", offset, target.length, size)
    })
  }
}
