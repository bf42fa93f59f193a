/**
 * The per-save nonce (layout.md §4.4): the secondary nonce of the volume
 * nonce over the save's timestamp, its (zeroed) nonce field, its version and
 * the slot's start block as the super block records it.
 *
 * @internal
 */
import { nonceHash } from "@effect-uds/volume/internal/format/nonce"

export const saveNonce = (
  volumeNonce: bigint,
  timestamp: bigint,
  saveVersion: number,
  slotStartBlock: number
): bigint => {
  const data = new Uint8Array(32)
  const view = new DataView(data.buffer)
  view.setBigUint64(0, BigInt.asUintN(64, timestamp), true)
  view.setUint32(16, saveVersion, true)
  view.setBigUint64(24, BigInt(slotStartBlock), true)
  return nonceHash(volumeNonce + 1n, data)
}
