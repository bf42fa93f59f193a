// The bit moves the volume index's delta memory is built on, against a bit-by-bit model.
import { assert, describe, it } from "@effect/vitest"
import { copyBits, moveBits, readWideBitsAt, writeWideBitsAt } from "@effect-uds/volume/internal/format/bitStream"
import { FastCheck as fc } from "effect"

const bitAt = (bytes: Uint8Array, bit: number) => (bytes[bit >> 3]! >> (bit & 7)) & 1

const naiveMove = (bytes: Uint8Array, from: number, to: number, count: number): Uint8Array => {
  const bits = Array.from({ length: count }, (_, i) => bitAt(bytes, from + i))
  const out = bytes.slice()
  bits.forEach((bit, i) => {
    const at = to + i
    out[at >> 3] = (out[at >> 3]! & ~(1 << (at & 7))) | (bit << (at & 7))
  })
  return out
}

const SIZE = 160

describe("bit moves", () => {
  it.prop(
    "moveBits and copyBits within one array equal a bit-by-bit move, and leave every other bit alone",
    {
      seed: fc.uint8Array({ minLength: SIZE + 8, maxLength: SIZE + 8 }),
      from: fc.integer({ min: 0, max: 600 }),
      to: fc.integer({ min: 0, max: 600 }),
      count: fc.integer({ min: 0, max: 600 })
    },
    ({ count, from, seed, to }) => {
      const bits = Math.min(count, SIZE * 8 - Math.max(from, to))
      const expected = naiveMove(seed, from, to, Math.max(bits, 0))
      const moved = seed.slice()
      moveBits(moved, new DataView(moved.buffer), from, to, bits)
      assert.deepStrictEqual(moved.subarray(0, SIZE), expected.subarray(0, SIZE))
      const copied = seed.slice()
      copyBits(copied, from >> 3, from & 7, copied, to >> 3, to & 7, bits)
      assert.deepStrictEqual(copied.subarray(0, SIZE), expected.subarray(0, SIZE))
    },
    { fastCheck: { numRuns: 500 } }
  )

  it("copyBits between two arrays equals a bit-by-bit copy at every pair of bit phases", () => {
    const source = Uint8Array.from({ length: 200 }, (_, i) => (i * 151 + 7) & 0xff)
    for (let sourceBit = 0; sourceBit < 16; sourceBit++) {
      for (let targetBit = 0; targetBit < 16; targetBit++) {
        for (const count of [1, 7, 8, 63, 64, 65, 100, 257, 1000]) {
          const target = new Uint8Array(200).fill(0x5a)
          copyBits(source, 3, sourceBit, target, 5, targetBit, count)
          const expected = new Uint8Array(200).fill(0x5a)
          for (let i = 0; i < count; i++) {
            const at = 40 + targetBit + i
            const bit = bitAt(source, 24 + sourceBit + i)
            expected[at >> 3] = (expected[at >> 3]! & ~(1 << (at & 7))) | (bit << (at & 7))
          }
          assert.deepStrictEqual(target, expected, `source bit ${sourceBit}, target bit ${targetBit}, ${count} bits`)
        }
      }
    }
  })

  it.prop(
    "wide fields (up to 32 bits) read back what was written, at any bit",
    { value: fc.nat(), width: fc.integer({ min: 1, max: 32 }), bit: fc.integer({ min: 0, max: 400 }) },
    ({ bit, value, width }) => {
      const bytes = new Uint8Array(64).fill(0xa5)
      const field = value % 2 ** width
      writeWideBitsAt(bytes, 1, bit, field, width)
      assert.strictEqual(readWideBitsAt(bytes, 1, bit, width), field)
      assert.strictEqual(bitAt(bytes, 8 + bit + width), (0xa5 >> ((bit + width) & 7)) & 1, "the next bit is kept")
    }
  )
})
