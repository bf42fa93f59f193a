import { assert, describe, it } from "@effect/vitest"
import { IndexConfig } from "@effect-uds/index"
import { Effect, Either, FastCheck as fc } from "effect"
import { createLayout, encodeHeader } from "../../packages/index/src/internal/layout/create.js"
import { decodeLayout } from "../../packages/index/src/internal/layout/read.js"
import { decodeSaveSlot, encodeSaveSlotHeader, saveRegions } from "../../packages/index/src/internal/layout/saveSlot.js"

const MEMORY = ["tiny", 0.25, 0.5, 0.75, 1, 2, 1024] as const

const configArbitrary = fc.record({
  memory: fc.integer({ min: 0, max: MEMORY.length - 1 }),
  sparse: fc.boolean(),
  reduced: fc.boolean(),
  zones: fc.integer({ min: 1, max: 16 }),
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  offsetBlocks: fc.integer({ min: 0, max: 1 << 20 }),
  nonceInfo: fc.uint8Array({ minLength: 32, maxLength: 32 })
})

type ConfigOptions = typeof configArbitrary extends fc.Arbitrary<infer T> ? T : never

const layoutOf = (options: ConfigOptions) => {
  const memorySize = MEMORY[options.memory]!
  const config = Effect.runSync(IndexConfig.make({
    memorySize,
    sparse: options.sparse,
    reduced: options.reduced && memorySize !== "tiny",
    zones: options.zones,
    nonce: options.nonce,
    offset: options.offsetBlocks * 4096
  }))
  return { config, ...Either.getOrThrow(createLayout(config, options.nonceInfo)) }
}

const stateArbitrary = fc.record({
  timestamp: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
  newestChapter: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  oldestChapter: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  lastSave: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
})

const edits = (max: number, hot: number) =>
  fc.array(
    fc.record({
      at: fc.oneof(fc.integer({ min: 0, max: hot }), fc.integer({ min: 0, max })),
      value: fc.integer({ min: 0, max: 255 })
    }),
    { minLength: 1, maxLength: 4 }
  )

const mutate = (bytes: Uint8Array, changes: ReadonlyArray<{ readonly at: number; readonly value: number }>, length: number) => {
  const copy = bytes.slice(0, length)
  for (const { at, value } of changes) if (at < copy.length) copy[at] = value
  return copy
}

describe("created layouts", () => {
  it.prop(
    "read back as created, for any preset, offset, nonce and nonce info",
    { options: configArbitrary },
    ({ options }) => {
      const { config, layout, writes } = layoutOf(options)
      assert.deepStrictEqual(Either.getOrThrow(decodeLayout(config, encodeHeader(layout))), layout)
      writes.slice(0, 2).forEach((write, slot) => {
        assert.strictEqual(write.offset, layout.saves[slot]!.byteOffset)
        assert.strictEqual(Either.getOrThrow(decodeSaveSlot(layout, slot, write.bytes)).state, "unsaved")
      })
    },
    { fastCheck: { numRuns: 100 } }
  )

  it.prop(
    "SAVE headers read back with their state and the regions their zone count gives",
    { options: configArbitrary, state: stateArbitrary, slot: fc.integer({ min: 0, max: 1 }) },
    ({ options, slot, state }) => {
      const { config, layout } = layoutOf(options)
      const header = encodeSaveSlotHeader(layout, slot, { type: "save", zoneCount: config.zones, ...state })
      const decoded = Either.getOrThrow(decodeSaveSlot(layout, slot, header))
      assert.strictEqual(decoded.state, "saved")
      if (decoded.state !== "saved") return
      assert.deepStrictEqual(
        [decoded.timestamp, decoded.newestChapter, decoded.oldestChapter, decoded.lastSave, decoded.zoneCount],
        [state.timestamp, state.newestChapter, state.oldestChapter, state.lastSave, config.zones]
      )
      assert.deepStrictEqual(decoded.regions, saveRegions(layout, slot, config.zones))
    },
    { fastCheck: { numRuns: 100 } }
  )

  it.prop(
    "flipped or truncated, the first blocks give NoIndex, CorruptData or a layout, never a throw",
    { options: configArbitrary, changes: edits(8191, 0x12f), length: fc.oneof(fc.constant(8192), fc.integer({ min: 0, max: 8192 })) },
    ({ changes, length, options }) => {
      const { config, layout } = layoutOf(options)
      const result = decodeLayout(config, mutate(encodeHeader(layout), changes, length))
      if (Either.isLeft(result)) assert.include(["NoIndex", "CorruptData"], result.left._tag)
      else assert.strictEqual(result.right.volume.byteOffset % 4096, 0)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "flipped or truncated, slot headers give CorruptData or a slot, never a throw",
    {
      options: configArbitrary,
      state: stateArbitrary,
      saved: fc.boolean(),
      changes: edits(4095, 0x1c0),
      length: fc.oneof(fc.constant(4096), fc.integer({ min: 0, max: 4096 }))
    },
    ({ changes, length, options, saved, state }) => {
      const { config, layout } = layoutOf(options)
      const header = encodeSaveSlotHeader(layout, 1, saved ? { type: "save", zoneCount: config.zones, ...state } : { type: "unsaved" })
      const result = decodeSaveSlot(layout, 1, mutate(header, changes, length))
      if (Either.isLeft(result)) assert.strictEqual(result.left._tag, "CorruptData")
      else if (result.right.state === "saved") assert.isAtLeast(result.right.zoneCount, 1)
    },
    { fastCheck: { numRuns: 300 } }
  )
})
