/**
 * A block device over a `Uint8Array` held in memory.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Service } from "../../BlockDevice.js"
import { rangeError } from "./deviceAccess.js"

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
      const bad = rangeError(size, "read", offset, target.length)
      return bad === undefined
        ? Effect.sync(() => target.set(bytes.subarray(offset, offset + target.length)))
        : Effect.fail(bad)
    },
    write: (offset, data) => {
      const bad = rangeError(size, "write", offset, data.length)
      return bad === undefined ? Effect.sync(() => bytes.set(data, offset)) : Effect.fail(bad)
    },
    flush: Effect.void
  }
}
