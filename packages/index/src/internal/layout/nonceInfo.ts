/**
 * The super block's nonce info (layout.md §1.2): the creation time in
 * nanoseconds (u64 LE) and a random u32 (LE), those 12 bytes repeated to fill
 * 32, as the reference makes it. Only ever hashed, so any 32 bytes load.
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import { NONCE_INFO_BYTES } from "./superBlock.js"

/** The nonce info for a creation time (ns since the epoch) and a random 32-bit value. */
export const makeNonceInfo = (timeNanos: bigint, random: number): Uint8Array => {
  const unit = new Uint8Array(12)
  const view = new DataView(unit.buffer)
  view.setBigUint64(0, BigInt.asUintN(64, timeNanos), true)
  view.setUint32(8, random >>> 0, true)
  const info = new Uint8Array(NONCE_INFO_BYTES)
  for (let at = 0; at < NONCE_INFO_BYTES; at += unit.length) {
    info.set(unit.subarray(0, Math.min(unit.length, NONCE_INFO_BYTES - at)), at)
  }
  return info
}

/** Fresh nonce info: now (from the Clock) and a value from the platform's secure random source. */
export const generateNonceInfo: Effect.Effect<Uint8Array> = Effect.gen(function*() {
  const now = yield* Clock.currentTimeNanos
  const random = yield* Effect.sync(() => globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!)
  return makeNonceInfo(now, random)
})
