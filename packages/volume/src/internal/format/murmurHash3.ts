/**
 * MurmurHash3, x64 128-bit variant (layout.md §4.1), in BigInt arithmetic.
 * It only ever hashes a few dozen bytes of layout metadata, so clarity wins
 * over speed here.
 *
 * @internal
 */

const MASK64 = (1n << 64n) - 1n
const C1 = 0x87c37b91114253d5n
const C2 = 0x4cf5ad432745937fn

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK64
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK64
const add = (a: bigint, b: bigint): bigint => (a + b) & MASK64

const fmix = (k: bigint): bigint => {
  k ^= k >> 33n
  k = mul(k, 0xff51afd7ed558ccdn)
  k ^= k >> 33n
  k = mul(k, 0xc4ceb9fe1a85ec53n)
  return k ^ (k >> 33n)
}

const mixK1 = (k1: bigint): bigint => mul(rotl(mul(k1, C1), 31n), C2)
const mixK2 = (k2: bigint): bigint => mul(rotl(mul(k2, C2), 33n), C1)

// Little-endian u64 of `count` bytes (count <= 8) at `offset`.
const readLE = (data: Uint8Array, offset: number, count: number): bigint => {
  let value = 0n
  for (let i = count - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[offset + i]!)
  return value
}

/** The two 64-bit halves h1, h2 of MurmurHash3_x64_128(data, seed); the digest bytes are h1 LE then h2 LE. */
export const murmurHash3x64 = (data: Uint8Array, seed: number): readonly [bigint, bigint] => {
  let h1 = BigInt(seed >>> 0)
  let h2 = h1
  const blocks = Math.floor(data.length / 16)
  for (let block = 0; block < blocks; block++) {
    h1 ^= mixK1(readLE(data, block * 16, 8))
    h1 = add(mul(add(rotl(h1, 27n), h2), 5n), 0x52dce729n)
    h2 ^= mixK2(readLE(data, block * 16 + 8, 8))
    h2 = add(mul(add(rotl(h2, 31n), h1), 5n), 0x38495ab5n)
  }
  const tail = blocks * 16
  const rest = data.length - tail
  if (rest > 8) h2 ^= mixK2(readLE(data, tail + 8, rest - 8))
  if (rest > 0) h1 ^= mixK1(readLE(data, tail, Math.min(rest, 8)))

  const length = BigInt(data.length)
  h1 ^= length
  h2 ^= length
  h1 = add(h1, h2)
  h2 = add(h2, h1)
  h1 = fmix(h1)
  h2 = fmix(h2)
  h1 = add(h1, h2)
  h2 = add(h2, h1)
  return [h1, h2]
}
