/**
 * A block device over a `Uint8Array` held in memory.
 *
 * @internal
 */
import { Effect } from "effect"
import { constants } from "node:buffer"
import type { Service } from "../../BlockDevice.js"
import { InvalidArgument } from "../../VolumeError.js"
import { describeValue } from "../volume/volumeInput.js"
import { bytesRangeError, rangeError } from "./deviceAccess.js"

/**
 * A device whose bytes are `bytes` itself (not a copy), so the caller sees
 * every write. Reads return copies, so a caller may keep or modify them.
 */
export const makeMemoryDevice = (bytes: Uint8Array): Service => {
  const size = bytes.length
  return {
    size,
    read: (offset, length) => {
      const bad = rangeError(size, "read", offset, length)
      return bad === undefined ? Effect.sync(() => bytes.slice(offset, offset + length)) : Effect.fail(bad)
    },
    readInto: (offset, target) => {
      const bad = bytesRangeError(size, "read", offset, target)
      return bad === undefined
        ? Effect.sync(() => target.set(bytes.subarray(offset, offset + target.length)))
        : Effect.fail(bad)
    },
    write: (offset, data) => {
      const bad = bytesRangeError(size, "write", offset, data)
      return bad === undefined ? Effect.sync(() => bytes.set(data, offset)) : Effect.fail(bad)
    },
    flush: Effect.void
  }
}

/** The largest Uint8Array this runtime makes (2^32 bytes on Node 20). */
export const maxMemorySize: number = Math.min(constants.MAX_LENGTH, Number.MAX_SAFE_INTEGER)

/**
 * The device of `BlockDevice.layerMemory`, or the `InvalidArgument` saying
 * why it cannot be made: a size out of range or too large to allocate, or
 * `bytes` that are not a Uint8Array.
 */
export const memoryDeviceFor = (init: { readonly size: number } | { readonly bytes: Uint8Array }): Service | InvalidArgument => {
  if (typeof init !== "object" || init === null) {
    return new InvalidArgument({
      message: `layerMemory takes { size } or { bytes }, got ${describeValue(init)}`
    })
  }
  if ("bytes" in init) {
    return init.bytes instanceof Uint8Array ? makeMemoryDevice(init.bytes) : new InvalidArgument({
      message: `layerMemory: bytes must be a Uint8Array, got ${describeValue(init.bytes)}`
    })
  }
  const size: unknown = init.size
  if (!Number.isSafeInteger(size) || (size as number) < 0 || (size as number) > maxMemorySize) {
    return new InvalidArgument({
      message: `layerMemory: size must be an integer from 0 to ${maxMemorySize} bytes, ` +
        `got ${describeValue(size)}`
    })
  }
  try {
    return makeMemoryDevice(new Uint8Array(size as number))
  } catch (cause) {
    // The process could not get that much memory.
    return new InvalidArgument({
      message: `layerMemory: cannot allocate ${size} bytes (${cause instanceof Error ? cause.message : String(cause)}); ` +
        `use a smaller size or a file device`
    })
  }
}
