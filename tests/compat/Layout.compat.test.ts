import { assert, describe, it } from "@effect/vitest"
import { IndexConfig } from "@effect-uds/index"
import { Effect, Either, FastCheck as fc, Option } from "effect"
import { createLayout, encodeHeader } from "../../packages/index/src/internal/layout/create.js"
import { checkStorage, decodeLayout, readLayout } from "../../packages/index/src/internal/layout/read.js"
import type { SavedSlot } from "../../packages/index/src/internal/layout/saveSlot.js"
import { decodeSaveSlot, encodeSaveSlotHeader } from "../../packages/index/src/internal/layout/saveSlot.js"
import { readIndexTiny } from "../support/indexTiny.js"
import { skipReason, vectorsPresent } from "../support/vectors.js"

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

// Read once: the property tests below run hundreds of times.
let tiny: ReturnType<typeof readIndexTiny> | undefined
const indexTiny = () => (tiny ??= readIndexTiny())

// index-tiny was made with the tiny preset, one zone, one read thread, nonce 0, offset 0 (meta.json).
const tinyConfig = IndexConfig.make({ memorySize: "tiny", zones: 1, readThreads: 1 })

// index.bin is trimmed after its last non-zero block: read zeros past its end, as a device would.
const readZeroPadded = (bytes: Uint8Array) => (offset: number, length: number) =>
  Effect.sync(() => {
    const out = new Uint8Array(length)
    out.set(bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)))
    return out
  })

const slotHeader = (bytes: Uint8Array, offset: number) => bytes.slice(offset, offset + 4096)

const mutate = (bytes: Uint8Array, edits: ReadonlyArray<{ readonly at: number; readonly value: number }>, length: number) => {
  const copy = bytes.slice(0, length)
  for (const { at, value } of edits) if (at < copy.length) copy[at] = value
  return copy
}

const edit = (max: number, hot: number) =>
  fc.record({ at: fc.oneof(fc.integer({ min: 0, max: hot }), fc.integer({ min: 0, max })), value: fc.integer({ min: 0, max: 255 }) })

describe.skipIf(!vectorsPresent)(`index-tiny's layout${vectorsPresent ? "" : ` (skipped: ${skipReason})`}`, () => {
  it.effect("reads: regions, both saves, slot 1 current, the volume nonce", () =>
    Effect.gen(function*() {
      const { bytes, meta } = indexTiny()
      const config = yield* tinyConfig
      const { current, layout, slots } = yield* readLayout(config, readZeroPadded(bytes))
      assert.strictEqual(layout.volumeNonce, 5874587135237117706n)
      assert.strictEqual(layout.volumeNonce.toString(), meta.volume_nonce)
      assert.deepStrictEqual(
        [layout.superBlockVersion, layout.firstBlock, layout.totalBlocks, layout.maxSaves, layout.pageMapBlocks, layout.openChapterBlocks],
        [3, 0, 1879, 2, 1, 257]
      )
      assert.deepStrictEqual(
        [layout.header, layout.config, layout.index, layout.volume, ...layout.saves, layout.seal].map((r) => [
          r.kind,
          r.instance,
          r.startBlock,
          r.blockCount,
          r.byteOffset
        ]),
        [
          [1, 65535, 0, 1, 0],
          [100, 65535, 1, 1, 4096],
          [101, 0, 2, 1876, 8192],
          [201, 65535, 2, 1128, 8192],
          [202, 0, 1130, 374, 0x46a000],
          [202, 1, 1504, 374, 0x5e0000],
          [102, 65535, 1878, 1, 7_692_288]
        ]
      )
      assert.strictEqual(layout.volume.byteLength, 4_620_288)
      assert.strictEqual(layout.totalBlocks * 4096, meta.uds_compute_index_size)
      assert.strictEqual(IndexConfig.indexSize(config), meta.uds_compute_index_size)
      const saved = slots.map((slot) => Either.getOrThrow(slot) as SavedSlot)
      assert.deepStrictEqual(
        saved.map((s) => [s.state, s.zoneCount, s.timestamp, s.saveNonce, s.newestChapter, s.oldestChapter, s.lastSave]),
        [
          ["saved", 1, 1795503131723n, 11900045342134994281n, 3n, 0n, 2n],
          ["saved", 1, 1795503131738n, 7695676730985033186n, 3n, 0n, 2n]
        ]
      )
      assert.deepStrictEqual(
        saved.map(({ regions: r }) => [r.header, r.pageMap, ...r.volumeIndexZones, r.openChapter, r.free].map((x) => [x.startBlock, x.blockCount, x.byteOffset])),
        [
          [[1130, 1, 0x46a000], [1131, 1, 0x46b000], [1132, 115, 0x46c000], [1247, 257, 0x4df000], [1504, 0, 0x5e0000]],
          [[1504, 1, 0x5e0000], [1505, 1, 0x5e1000], [1506, 115, 0x5e2000], [1621, 257, 0x655000], [1878, 0, 0x756000]]
        ]
      )
      assert.isTrue(Option.isSome(current))
      assert.strictEqual(Option.getOrThrow(current).slot, 1)
    }))

  it.effect("created with its configuration and nonce info, gives its super block and configuration byte for byte", () =>
    Effect.gen(function*() {
      const { bytes } = indexTiny()
      const { layout } = Either.getOrThrow(createLayout(yield* tinyConfig, bytes.slice(224, 256)))
      assert.strictEqual(hexOf(encodeHeader(layout)), hexOf(bytes.subarray(0, 8192)))
      assert.deepStrictEqual(Either.getOrThrow(decodeLayout(yield* tinyConfig, bytes)), layout)
    }))

  it.effect("its slot headers re-encode from their decoded values byte for byte", () =>
    Effect.gen(function*() {
      const { bytes } = indexTiny()
      const layout = Either.getOrThrow(decodeLayout(yield* tinyConfig, bytes))
      for (const slot of [0, 1]) {
        const original = slotHeader(bytes, layout.saves[slot]!.byteOffset)
        const decoded = Either.getOrThrow(decodeSaveSlot(layout, slot, original)) as SavedSlot
        const encoded = encodeSaveSlotHeader(layout, slot, {
          type: "save",
          zoneCount: decoded.zoneCount,
          timestamp: decoded.timestamp,
          newestChapter: decoded.newestChapter,
          oldestChapter: decoded.oldestChapter,
          lastSave: decoded.lastSave
        })
        assert.strictEqual(hexOf(encoded), hexOf(original), `slot ${slot}`)
      }
    }))

  it.effect("opened with another configuration it is NoIndex; on a device too short it is StorageTooSmall", () =>
    Effect.gen(function*() {
      const { bytes } = indexTiny()
      for (const options of [{ memorySize: "tiny", nonce: 1n }, { memorySize: 0.25 }, { memorySize: "tiny", sparse: true }] as const) {
        const result = decodeLayout(yield* IndexConfig.make(options), bytes)
        assert.isTrue(Either.isLeft(result) && result.left._tag === "NoIndex", JSON.stringify(options, (_, v) => String(v)))
      }
      // The file is trimmed after its last non-zero block: as a device it is too short.
      const config = yield* tinyConfig
      const short = checkStorage(config, bytes.length)
      assert.isTrue(Either.isLeft(short) && short.left.required === 7_696_384 && short.left.available === 6_696_960)
      assert.isTrue(Either.isRight(checkStorage(config, 7_696_384)))
    }))

  it.prop(
    "flipped or truncated first blocks give NoIndex, CorruptData or a layout, never a throw",
    { edits: fc.array(edit(8191, 0x12f), { minLength: 1, maxLength: 4 }), length: fc.oneof(fc.constant(8192), fc.integer({ min: 0, max: 8192 })) },
    ({ edits, length }) => {
      const { bytes } = indexTiny()
      const config = Effect.runSync(tinyConfig)
      const result = decodeLayout(config, mutate(bytes.subarray(0, 8192), edits, length))
      if (Either.isLeft(result)) assert.include(["NoIndex", "CorruptData"], result.left._tag)
      else assert.strictEqual(result.right.nonceInfo.length, 32)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "flipped or truncated slot headers give CorruptData or a slot, never a throw",
    {
      slot: fc.integer({ min: 0, max: 1 }),
      edits: fc.array(edit(4095, 0xc0), { minLength: 1, maxLength: 4 }),
      length: fc.oneof(fc.constant(4096), fc.integer({ min: 0, max: 4096 }))
    },
    ({ edits, length, slot }) => {
      const { bytes } = indexTiny()
      const layout = Either.getOrThrow(decodeLayout(Effect.runSync(tinyConfig), bytes))
      const result = decodeSaveSlot(layout, slot, mutate(slotHeader(bytes, layout.saves[slot]!.byteOffset), edits, length))
      if (Either.isLeft(result)) assert.strictEqual(result.left._tag, "CorruptData")
      else if (result.right.state === "saved") assert.isAtLeast(result.right.zoneCount, 1)
    },
    { fastCheck: { numRuns: 300 } }
  )
})
