/**
 * The nonces of a UDS index layout (layout.md §4): all are bytes 4..11 of a
 * MurmurHash3 digest of some layout data, seeded from a 64-bit start value.
 *
 * @internal
 */
import { murmurHash3x64 } from "./murmurHash3.js"

const MASK64 = (1n << 64n) - 1n
const MASK32 = (1n << 32n) - 1n

/** NonceHash(start, data): the u64 LE at bytes 4..11 of MurmurHash3_x64_128(data, seed from start). */
export const nonceHash = (start: bigint, data: Uint8Array): bigint => {
  const base = start & MASK64
  const seed = Number((base ^ (base >> 27n)) & MASK32)
  const [h1, h2] = murmurHash3x64(data, seed)
  return (h1 >> 32n) | ((h2 & MASK32) << 32n)
}

/** The primary nonce stored in the super block: NonceHash(0xA1B1E0FC, nonce info). */
export const primaryNonce = (nonceInfo: Uint8Array): bigint => nonceHash(0xa1b1e0fcn, nonceInfo)

/**
 * The volume nonce stamped into every chapter index page (layout.md §4.3): the
 * secondary nonce of the primary one over the INDEX region's start block
 * followed by 8 zero bytes; the reference never lets it be 0.
 */
export const volumeNonce = (primary: bigint, indexStartBlock: bigint): bigint => {
  const data = new Uint8Array(16)
  new DataView(data.buffer).setBigUint64(0, indexStartBlock & MASK64, true)
  const nonce = nonceHash(primary + 1n, data)
  return nonce !== 0n ? nonce : nonceHash((MASK64 ^ primary) + 2n, data)
}
