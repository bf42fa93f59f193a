// The fast MurmurHash3 that names dedup's blocks against the volume package's BigInt version (the readable one).
import { assert, describe, it } from "@effect/vitest"
import { murmurHash3Into, VDO_SEED } from "../../packages/cli/src/blocks/murmurHash3.js"
import { murmurHash3x64 } from "../../packages/volume/src/internal/format/murmurHash3.js"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

const reference = (data: Uint8Array, seed: number): string => {
  const [h1, h2] = murmurHash3x64(data, seed)
  const out = new Uint8Array(16)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, h1, true)
  view.setBigUint64(8, h2, true)
  return hex(out)
}

// A reproducible pseudo-random byte source (xorshift32).
const randomBytes = (seed: number, length: number): Uint8Array => {
  let x = seed | 1
  return Uint8Array.from({ length }, () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x & 0xff
  })
}

describe("murmurHash3Into", () => {
  it("gives the published digest of the fox sentence with seed 0", () => {
    const fox = new TextEncoder().encode("The quick brown fox jumps over the lazy dog")
    const out = new Uint8Array(16)
    murmurHash3Into(fox, 0, fox.length, 0, out, 0)
    assert.strictEqual(hex(out), "6c1b07bc7bbc4be347939ac4a93c437a")
  })

  it("agrees with the BigInt version on random inputs of every length 0..300, and of 4095..4097, for three seeds", () => {
    const lengths = [...Array.from({ length: 301 }, (_, n) => n), 4095, 4096, 4097]
    for (const seed of [0, VDO_SEED, 0xffffffff]) {
      for (const length of lengths) {
        const data = randomBytes(length * 31 + seed, length)
        const out = new Uint8Array(16)
        murmurHash3Into(data, 0, length, seed, out, 0)
        assert.strictEqual(hex(out), reference(data, seed), `length ${length}, seed ${seed}`)
      }
    }
  })

  it("hashes a slice of a larger buffer at any start, and writes only its 16 bytes of the output", () => {
    const buffer = randomBytes(7, 9000)
    for (const [start, end] of [[1, 4097], [3, 20], [4096, 8192], [8191, 9000], [5, 5]] as const) {
      const out = new Uint8Array(40).fill(0xaa)
      murmurHash3Into(buffer, start, end, VDO_SEED, out, 12)
      assert.strictEqual(hex(out.subarray(12, 28)), reference(buffer.slice(start, end), VDO_SEED), `${start}..${end}`)
      assert.isTrue(out.subarray(0, 12).every((b) => b === 0xaa) && out.subarray(28).every((b) => b === 0xaa))
    }
  })
})
