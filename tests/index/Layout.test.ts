import { assert, describe, it } from "@effect/vitest"
import { BlockDevice, IndexLayout } from "@effect-uds/volume"
import { IndexConfig } from "@effect-uds/index"
import { Effect, Either, Option, TestClock } from "effect"
import { createLayout, encodeHeader, makeLayout } from "../../packages/index/src/internal/layout/create.js"
import { currentSlot, slotToSave } from "../../packages/index/src/internal/layout/currentSlot.js"
import type { Layout } from "../../packages/index/src/internal/layout/layout.js"
import { generateNonceInfo, makeNonceInfo } from "../../packages/index/src/internal/layout/nonceInfo.js"
import { checkStorage, decodeLayout, readLayout } from "../../packages/index/src/internal/layout/read.js"
import { saveNonce } from "../../packages/index/src/internal/layout/saveNonce.js"
import type { SaveState } from "../../packages/index/src/internal/layout/saveSlot.js"
import { decodeSaveSlot, encodeSaveSlotHeader, NO_LAST_SAVE, saveRegions } from "../../packages/index/src/internal/layout/saveSlot.js"

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"))
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

// index-tiny's nonce info and nonces (layout.md §4.2-§4.3).
const TINY_NONCE_INFO = fromHex("5b9be4ce95e8ea1867458bc65b9be4ce95e8ea1867458bc65b9be4ce95e8ea18")
const TINY_VOLUME_NONCE = 5874587135237117706n

// layout.md §2.5: index-tiny's super block, bytes 0 .. 0x12f (the rest of the block is zero).
const TINY_SUPER_BLOCK = fromHex(`
  3130 6e67 5262 6c41 5707 0000 0000 0000  0100 0100 0700 6800 0000 0000 0000 0000
  0100 0000 0000 0000 0000 0000 0100 ffff  0100 0000 0000 0000 0100 0000 0000 0000
  0000 0000 6400 ffff 0200 0000 0000 0000  5407 0000 0000 0000 0000 0000 6500 0000
  0200 0000 0000 0000 6804 0000 0000 0000  0000 0000 c900 ffff 6a04 0000 0000 0000
  7601 0000 0000 0000 0000 0000 ca00 0000  e005 0000 0000 0000 7601 0000 0000 0000
  0000 0000 ca00 0100 5607 0000 0000 0000  0100 0000 0000 0000 0000 0000 6600 ffff
  2a41 4c42 4952 454f 2a53 494e 474c 452a  4649 4c45 2a4c 4159 4f55 542a 3030 312a
  5b9b e4ce 95e8 ea18 6745 8bc6 5b9b e4ce  95e8 ea18 6745 8bc6 5b9b e4ce 95e8 ea18
  9918 2ce6 195b 5f14 0300 0000 0010 0000  0100 0200 0000 0000 0101 0000 0000 0000
  0100 0000 0000 0000 0000 0000 0000 0000`)

// layout.md §3: index-tiny's configuration record (06.02), then zeros.
const TINY_CONFIG = fromHex(`
  414c 4249 4330 362e 3032 2000 0000 0400  0000 0000 0000 0700 0000 0000 0000 0010
  0000 0080 0000 0000 0000 0000 0000 0000`)

const tinyConfig = IndexConfig.make({ memorySize: "tiny", readThreads: 1 })

const created = (config: IndexConfig.IndexConfig, nonceInfo: Uint8Array = TINY_NONCE_INFO) =>
  Either.getOrThrow(createLayout(config, nonceInfo))

// A device image holding a created layout's writes.
const imageOf = (layout: Layout, writes: ReadonlyArray<{ offset: number; bytes: Uint8Array }>) => {
  const image = new Uint8Array(layout.totalBlocks * 4096)
  for (const { bytes, offset } of writes) image.set(bytes, offset)
  return image
}

// A save slot header block written by hand from layout.md §2.1: table header and entries
// [start, count, kind, instance]; the payload is left for the caller.
const handWrittenTable = (
  type: number,
  regionBlocks: number,
  payloadBytes: number,
  entries: ReadonlyArray<readonly [number, number, number, number]>
) => {
  const expected = new Uint8Array(4096)
  const view = new DataView(expected.buffer)
  view.setBigUint64(0, 0x416c6252676e3031n, true)
  view.setBigUint64(8, BigInt(regionBlocks), true)
  view.setUint16(16, type, true)
  view.setUint16(18, 1, true)
  view.setUint16(20, entries.length, true)
  view.setUint16(22, payloadBytes, true)
  entries.forEach(([start, count, kind, instance], i) => {
    view.setBigUint64(24 + 24 * i, BigInt(start), true)
    view.setBigUint64(32 + 24 * i, BigInt(count), true)
    view.setUint16(44 + 24 * i, kind, true)
    view.setUint16(46 + 24 * i, instance, true)
  })
  return { expected, view }
}

// layout.md §5.6: index-tiny's slot 1 state.
const TINY_SLOT1: SaveState = { timestamp: 1795503131738n, newestChapter: 3n, oldestChapter: 0n, lastSave: 2n }

describe("creating a layout", () => {
  it.effect("with index-tiny's configuration and nonce info gives layout.md's super block and configuration bytes", () =>
    Effect.gen(function*() {
      const { layout, writes } = created(yield* tinyConfig)
      const header = encodeHeader(layout)
      assert.strictEqual(hexOf(header.subarray(0, TINY_SUPER_BLOCK.length)), hexOf(TINY_SUPER_BLOCK))
      assert.isTrue(header.subarray(TINY_SUPER_BLOCK.length, 4096).every((b) => b === 0), "super block zero filled")
      assert.strictEqual(hexOf(header.subarray(4096, 4096 + TINY_CONFIG.length)), hexOf(TINY_CONFIG))
      assert.isTrue(header.subarray(4096 + TINY_CONFIG.length).every((b) => b === 0), "configuration zero filled")
      // The writes: both slots UNSAVED, then the super block and configuration; no seal.
      assert.deepStrictEqual(writes.map((w) => [w.offset, w.bytes.length]), [[0x46a000, 4096], [0x5e0000, 4096], [0, 8192]])
      assert.strictEqual(hexOf(writes[2]!.bytes), hexOf(header))
      assert.strictEqual(layout.volumeNonce, TINY_VOLUME_NONCE)
      assert.deepStrictEqual(
        [layout.volume.byteOffset, layout.volume.byteLength, layout.seal.startBlock, layout.totalBlocks * 4096],
        [8192, 4_620_288, 1878, 7_696_384]
      )
    }))

  it.effect("writes UNSAVED slot headers: header, page map and the rest free, with 24 zero payload bytes", () =>
    Effect.gen(function*() {
      const { layout, writes } = created(yield* tinyConfig)
      // layout.md §2.3 for slot 0 of the tiny layout: 374 blocks from 1130, 1 page map block.
      const { expected } = handWrittenTable(4, 374, 24, [[1130, 1, 1, 65535], [1131, 1, 301, 65535], [1132, 372, 0, 65535]])
      assert.strictEqual(hexOf(writes[0]!.bytes), hexOf(expected))
      const decoded = writes.slice(0, 2).map((w, slot) => decodeSaveSlot(layout, slot, w.bytes))
      assert.deepStrictEqual(decoded.map((d) => Either.getOrThrow(d).state), ["unsaved", "unsaved"])
      assert.isTrue(Option.isNone(currentSlot(decoded)))
      assert.strictEqual(slotToSave(decoded), 0)
    }))

  it.effect("reads back what it wrote, through a block device", () =>
    Effect.gen(function*() {
      const config = yield* IndexConfig.make({ memorySize: "tiny", zones: 4, nonce: 0xfeedn })
      const { layout, writes } = created(config, makeNonceInfo(1_700_000_000_000_000_000n, 0x12345678))
      const read = yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        for (const w of writes) yield* device.write(w.offset, w.bytes)
        return yield* readLayout(config, device.read)
      }).pipe(Effect.provide(BlockDevice.layerMemory({ size: 16 * 4096 + layout.saves[1]!.byteOffset })))
      assert.deepStrictEqual(read.layout, layout)
      assert.deepStrictEqual(read.slots.map((s) => Either.getOrThrow(s).state), ["unsaved", "unsaved"])
      assert.isTrue(Option.isNone(read.current))
      assert.strictEqual(read.layout.configuration.userNonce, 0xfeedn)
    }))

  it.effect("at a non-zero offset, starts every region there and still round-trips", () =>
    Effect.gen(function*() {
      const atZero = created(yield* tinyConfig).layout
      const config = yield* IndexConfig.make({ memorySize: "tiny", offset: 5 * 4096 })
      const { layout, writes } = created(config)
      assert.strictEqual(layout.firstBlock, 5)
      assert.deepStrictEqual(
        [layout.header.startBlock, layout.config.startBlock, layout.index.startBlock, layout.saves[0]!.startBlock, layout.seal.startBlock],
        [5, 6, 7, 1135, 1883]
      )
      // Byte offsets stay relative to the super block; the volume nonce follows the INDEX start.
      assert.deepStrictEqual(
        [layout.volume.byteOffset, layout.saves[1]!.byteOffset],
        [atZero.volume.byteOffset, atZero.saves[1]!.byteOffset]
      )
      assert.notStrictEqual(layout.volumeNonce, atZero.volumeNonce)
      const image = imageOf(layout, writes)
      assert.deepStrictEqual(Either.getOrThrow(decodeLayout(config, image)), layout)
      const header = encodeSaveSlotHeader(layout, 1, { type: "save", zoneCount: 1, ...TINY_SLOT1 })
      const slot = Either.getOrThrow(decodeSaveSlot(layout, 1, header))
      assert.strictEqual(slot.state, "saved")
      if (slot.state === "saved") assert.strictEqual(slot.regions.openChapter.byteOffset, 0x655000)
      // Read as if at offset 0, the same bytes are a corrupt index: the HEADER is not where it should be.
      const atOffsetZero = decodeLayout(yield* tinyConfig, image)
      assert.isTrue(Either.isLeft(atOffsetZero) && atOffsetZero.left._tag === "CorruptData")
      if (Either.isLeft(atOffsetZero)) assert.include(atOffsetZero.left.message, "HEADER region starts at block 5, expected 0")
    }))

  it("refuses nonce info that is not 32 bytes", () => {
    const config = Effect.runSync(tinyConfig)
    const result = createLayout(config, new Uint8Array(31))
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) assert.include(result.left.message, "nonceInfo must be 32 bytes, got 31")
  })
})

describe("nonce info", () => {
  it("is the creation time in ns and a random u32, repeated to 32 bytes (index-tiny's)", () => {
    assert.strictEqual(hexOf(makeNonceInfo(0x18eae895cee49b5bn, 0xc68b4567)), hexOf(TINY_NONCE_INFO))
  })

  it.effect("by default takes the clock's time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_795_503_131_000)
      const info = yield* generateNonceInfo
      const view = new DataView(info.buffer, info.byteOffset)
      assert.strictEqual(view.getBigUint64(0, true), 1_795_503_131_000n * 1_000_000n)
      assert.strictEqual(hexOf(info.subarray(12, 24)), hexOf(info.subarray(0, 12)))
      assert.strictEqual(hexOf(info.subarray(24, 32)), hexOf(info.subarray(0, 8)))
    }))
})

describe("save slot headers", () => {
  it.effect("a SAVE header is laid out as layout.md §2.3 says, with the save nonce of §4.4", () =>
    Effect.gen(function*() {
      const { layout } = created(yield* tinyConfig)
      // index-tiny's slot 1 header (layout.md §5.6, §9), written by hand.
      const { expected, view } = handWrittenTable(2, 374, 64, [
        [1504, 1, 1, 65535],
        [1505, 1, 301, 65535],
        [1506, 115, 302, 0],
        [1621, 257, 303, 65535]
      ])
      view.setBigUint64(0x78, 1795503131738n, true)
      view.setBigUint64(0x80, 7695676730985033186n, true)
      view.setUint32(0x88, 1, true)
      view.setInt32(0x90, -1, true)
      view.setInt32(0x94, 301, true)
      view.setBigUint64(0x98, 3n, true)
      view.setBigUint64(0xa0, 0n, true)
      view.setBigUint64(0xa8, 2n, true)
      const header = encodeSaveSlotHeader(layout, 1, { type: "save", zoneCount: 1, ...TINY_SLOT1 })
      assert.strictEqual(hexOf(header), hexOf(expected))
      const slot = Either.getOrThrow(decodeSaveSlot(layout, 1, header))
      assert.deepStrictEqual(slot, {
        state: "saved",
        slot: 1,
        zoneCount: 1,
        ...TINY_SLOT1,
        saveNonce: 7695676730985033186n,
        saveVersion: 1,
        regions: saveRegions(layout, 1, 1)
      })
    }))

  it("save nonces are layout.md §4.4's for index-tiny's two slots", () => {
    assert.strictEqual(saveNonce(TINY_VOLUME_NONCE, 1795503131723n, 1, 1130), 11900045342134994281n)
    assert.strictEqual(saveNonce(TINY_VOLUME_NONCE, 1795503131738n, 1, 1504), 7695676730985033186n)
  })

  it.effect("zones share the volume index blocks equally, the remainder is a free region at the end", () =>
    Effect.gen(function*() {
      const { layout } = created(yield* tinyConfig)
      const regions = saveRegions(layout, 0, 3)
      // 115 volume index blocks: 38 per zone, 1 left over after the open chapter.
      assert.deepStrictEqual(regions.volumeIndexZones.map((r) => [r.startBlock, r.blockCount, r.instance]), [
        [1132, 38, 0],
        [1170, 38, 1],
        [1208, 38, 2]
      ])
      assert.deepStrictEqual([regions.openChapter.startBlock, regions.openChapter.blockCount], [1246, 257])
      assert.deepStrictEqual([regions.free.startBlock, regions.free.blockCount], [1503, 1])
      const header = encodeSaveSlotHeader(layout, 0, { type: "save", zoneCount: 3, ...TINY_SLOT1 })
      const table = Either.getOrThrow(IndexLayout.decodeRegionTable(header))
      assert.deepStrictEqual(table.entries.map((e) => e.kind), [1, 301, 302, 302, 302, 303, 0])
      for (const zones of [1, 2, 3, 5, 16]) {
        const state = { ...TINY_SLOT1, lastSave: NO_LAST_SAVE }
        const slot = Either.getOrThrow(decodeSaveSlot(layout, 0, encodeSaveSlotHeader(layout, 0, { type: "save", zoneCount: zones, ...state })))
        assert.strictEqual(slot.state === "saved" && slot.zoneCount, zones)
        if (slot.state === "saved") {
          assert.deepStrictEqual(slot.regions, saveRegions(layout, 0, zones))
          assert.strictEqual(slot.lastSave, NO_LAST_SAVE)
        }
      }
    }))

  it.effect("the current slot is the valid one with the largest timestamp; a tie keeps the lower slot", () =>
    Effect.gen(function*() {
      const { layout } = created(yield* tinyConfig)
      const save = (slot: number, timestamp: bigint) =>
        decodeSaveSlot(layout, slot, encodeSaveSlotHeader(layout, slot, { type: "save", zoneCount: 1, ...TINY_SLOT1, timestamp }))
      const unsaved = (slot: number) => decodeSaveSlot(layout, slot, encodeSaveSlotHeader(layout, slot, { type: "unsaved" }))
      const current = (slots: Parameters<typeof currentSlot>[0]) => Option.map(currentSlot(slots), (s) => s.slot)
      assert.deepStrictEqual(current([save(0, 10n), save(1, 20n)]), Option.some(1))
      assert.deepStrictEqual(current([save(0, 30n), save(1, 20n)]), Option.some(0))
      assert.deepStrictEqual(current([save(0, 20n), save(1, 20n)]), Option.some(0))
      assert.deepStrictEqual(current([save(0, 10n), unsaved(1)]), Option.some(0))
      // A slot whose nonce does not match (the other slot's header copied in) is ignored.
      const copied = decodeSaveSlot(layout, 1, encodeSaveSlotHeader(layout, 0, { type: "save", zoneCount: 1, ...TINY_SLOT1 }))
      assert.isTrue(Either.isLeft(copied))
      assert.deepStrictEqual(current([save(0, 10n), copied]), Option.some(0))
      // The next save goes into the older slot, an unusable one counting as oldest.
      assert.strictEqual(slotToSave([save(0, 10n), save(1, 20n)]), 0)
      assert.strictEqual(slotToSave([save(0, 30n), save(1, 20n)]), 1)
      assert.strictEqual(slotToSave([save(0, 30n), copied]), 1)
      assert.strictEqual(slotToSave([unsaved(0), unsaved(1)]), 0)
    }))

  it.effect("every check of layout.md §5.2-§5.3 that fails disqualifies the slot with a CorruptData saying why", () =>
    Effect.gen(function*() {
      const { layout } = created(yield* tinyConfig)
      const good = () => encodeSaveSlotHeader(layout, 1, { type: "save", zoneCount: 2, ...TINY_SLOT1 })
      type Edit = (view: DataView) => void
      const u16 = (at: number, value: number): Edit => (v) => v.setUint16(at, value, true)
      const u64 = (at: number, value: bigint): Edit => (v) => v.setBigUint64(at, value, true)
      // Two zones: entries header, page map, zone 0, zone 1, open chapter, free (6); payload at 168.
      const cases: ReadonlyArray<readonly [string, Edit]> = [
        ["region table magic", u64(0, 0n)],
        ["region table version 2", u16(18, 2)],
        ["covers 373 blocks, the super block gives the slot 374", u64(8, 373n)],
        ["header type is 3", u16(16, 3)],
        ["save payload is 63 bytes", u16(22, 63)],
        ["unsupported save version 2", (v) => v.setUint32(168 + 16, 2, true)],
        ["index state signature 0", (v) => v.setInt32(168 + 24, 0, true)],
        ["version 300", (v) => v.setInt32(168 + 28, 300, true)],
        ["region 2 is EMPTY instance 0, expected VOLUME_INDEX instance 0", u16(24 + 48 + 20, 0)],
        ["region 3 is VOLUME_INDEX instance 0, expected VOLUME_INDEX instance 1", u16(24 + 72 + 22, 0)],
        ["region 1 starts at block 1506, expected 1505", u64(24 + 24, 1506n)],
        ["regions end at block 1879, the slot at block 1878", u64(24 + 5 * 24 + 8, 2n)],
        ["save timestamp is 0", u64(168, 0n)],
        ["save nonce", u64(168 + 8, 12345n)],
        ["save nonce", u64(168, 1795503131739n)]
      ]
      for (const [expected, edit] of cases) {
        const header = good()
        edit(new DataView(header.buffer))
        const result = decodeSaveSlot(layout, 1, header)
        assert.isTrue(Either.isLeft(result), expected)
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left._tag, "CorruptData")
          assert.include(result.left.message, "save slot 1")
          assert.include(result.left.message, expected)
        }
      }
      // Too many zones: the entries still fit the block.
      const many = good()
      const view = new DataView(many.buffer)
      // 21 regions, the last one (all zeros) EMPTY: 17 zones; the payload moves behind them.
      many.fill(0, 168, 168 + 64)
      view.setUint16(20, 21, true)
      view.setInt32(24 + 21 * 24 + 24, -1, true)
      view.setInt32(24 + 21 * 24 + 28, 301, true)
      const tooMany = decodeSaveSlot(layout, 1, many)
      assert.isTrue(Either.isLeft(tooMany) && tooMany.left.message.includes("17 volume index zones, at most 16"))
      // A truncated header block.
      const short = decodeSaveSlot(layout, 1, good().subarray(0, 4095))
      assert.isTrue(Either.isLeft(short) && short.left.message.includes("header is 4095 bytes"))
    }))
})

describe("reading a layout", () => {
  it.effect("a device with no region table magic has no index", () =>
    Effect.gen(function*() {
      const config = yield* tinyConfig
      for (const bytes of [new Uint8Array(8192), new Uint8Array(3)]) {
        const result = decodeLayout(config, bytes)
        assert.isTrue(Either.isLeft(result) && result.left._tag === "NoIndex")
        if (Either.isLeft(result)) assert.include(result.left.message, "no UDS index at byte 0")
      }
    }))

  it.effect("a stored configuration that differs from the one given is NoIndex naming each field", () =>
    Effect.gen(function*() {
      const { layout } = created(yield* tinyConfig)
      const header = encodeHeader(layout)
      const cases: ReadonlyArray<readonly [IndexConfig.Options, ReadonlyArray<string>]> = [
        [{ memorySize: "tiny", nonce: 7n }, ["nonce is 0, the configuration says 7"]],
        [{ memorySize: "tiny", sparse: true }, [
          "chapters per volume is 4, the configuration says 40",
          "sparse chapters per volume is 0, the configuration says 38",
          "sparse sample rate is 0, the configuration says 32"
        ]],
        [{ memorySize: 0.25 }, ["record pages per chapter is 32, the configuration says 64"]]
      ]
      for (const [options, fields] of cases) {
        const result = decodeLayout(yield* IndexConfig.make(options), header)
        assert.isTrue(Either.isLeft(result) && result.left._tag === "NoIndex", JSON.stringify(fields))
        if (Either.isLeft(result)) for (const field of fields) assert.include(result.left.message, field)
      }
      // Zones and read threads are not stored: any values load.
      const other = yield* IndexConfig.make({ memorySize: "tiny", zones: 3, readThreads: 9 })
      assert.isTrue(Either.isRight(decodeLayout(other, header)))
    }))

  it.effect("a damaged super block or configuration is CorruptData saying what is wrong", () =>
    Effect.gen(function*() {
      const config = yield* tinyConfig
      const { layout } = created(config)
      type Edit = (bytes: Uint8Array, view: DataView) => void
      const cases: ReadonlyArray<readonly [string, Edit]> = [
        ["region table version 2", (_, v) => v.setUint16(18, 2, true)],
        ["super block table type is 2", (_, v) => v.setUint16(16, 2, true)],
        ["super block label", (b) => { b[0xc0] = 0x2b }],
        ["super block version 4", (_, v) => v.setUint32(0x108, 4, true)],
        ["index count is 2", (_, v) => v.setUint16(0x110, 2, true)],
        ["primary nonce", (b) => { b[0xe0] = b[0xe0]! ^ 1 }],
        ["block size is 512", (_, v) => v.setUint32(0x10c, 512, true)],
        ["CONFIG region 1 starts at block 2", (_, v) => v.setBigUint64(0x30, 2n, true)],
        ["SAVE region 5 starts at block 1505", (_, v) => v.setBigUint64(0x90, 1505n, true)],
        ["SEAL region 6 starts at block 1879", (_, v) => v.setBigUint64(0xa8, 1879n, true)],
        ["spans 1880 blocks", (_, v) => v.setBigUint64(8, 1880n, true)],
        ["configuration magic", (b) => { b[4096] = 0x61 }],
        ["configuration version", (b) => { b[4096 + 6] = 0x37 }]
      ]
      for (const [expected, edit] of cases) {
        const header = encodeHeader(layout)
        edit(header, new DataView(header.buffer))
        const result = decodeLayout(config, header)
        assert.isTrue(Either.isLeft(result) && result.left._tag === "CorruptData", expected)
        if (Either.isLeft(result)) assert.include(result.left.message, expected)
      }
    }))

  it.effect("a version 7 layout with an 08.02 configuration round-trips, saves placed past the volume offset", () =>
    Effect.gen(function*() {
      // An index that lost one chapter (reduced 0.25 GB), its saves moved by v = 3 blocks, s = 1:
      // the super block sits at device block F + v - s = 2.
      const config = yield* IndexConfig.make({ memorySize: 0.25, reduced: true, offset: 2 * 4096 })
      const base = Either.getOrThrow(makeLayout(config, TINY_NONCE_INFO))
      const v = 3
      const shift = (region: typeof base.seal) => ({ ...region, startBlock: region.startBlock + v })
      const at = (region: typeof base.seal, first: number) => ({ ...region, startBlock: region.startBlock - 2 + first })
      const first = 0
      const layout: Layout = {
        ...base,
        superBlockVersion: 7,
        // The INDEX region now starts at block 2, as index-tiny's does (layout.md §4.3).
        volumeNonce: TINY_VOLUME_NONCE,
        firstBlock: first,
        volumeOffsetBlocks: v,
        startOffsetBlocks: 1,
        configuration: { ...base.configuration, version: "08.02", remappedVirtual: 9, remappedPhysical: 5 },
        geometry: { ...base.geometry, remappedVirtual: 9, remappedPhysical: 5 },
        header: at(base.header, first),
        config: at(base.config, first),
        index: at(base.index, first),
        volume: at(base.volume, first),
        saves: base.saves.map((s) => shift(at(s, first))),
        seal: shift(at(base.seal, first))
      }
      const header = encodeHeader(layout)
      assert.strictEqual(new DataView(header.buffer).getUint16(22, true), 120)
      assert.strictEqual(String.fromCharCode(...header.subarray(4096, 4101 + 5)), "ALBIC08.02")
      const decoded = Either.getOrThrow(decodeLayout(config, header))
      assert.deepStrictEqual(decoded.volumeNonce, layout.volumeNonce)
      assert.deepStrictEqual({ ...decoded, geometry: undefined }, { ...layout, geometry: undefined })
      assert.deepStrictEqual([decoded.geometry.remappedVirtual, decoded.geometry.remappedPhysical], [9, 5])
      // Save slot byte offsets leave the volume offset out (layout.md §2.4).
      assert.strictEqual(decoded.saves[0]!.byteOffset, (decoded.saves[0]!.startBlock - v) * 4096)
      const slotHeader = encodeSaveSlotHeader(decoded, 1, { type: "save", zoneCount: 2, ...TINY_SLOT1 })
      const slot = Either.getOrThrow(decodeSaveSlot(decoded, 1, slotHeader))
      assert.isTrue(slot.state === "saved" && slot.regions.header.byteOffset === decoded.saves[1]!.byteOffset)
    }))

  it.effect("a device smaller than offset + indexSize is StorageTooSmall", () =>
    Effect.gen(function*() {
      const config = yield* IndexConfig.make({ memorySize: "tiny", offset: 4096 })
      assert.isTrue(Either.isRight(checkStorage(config, 4096 + 7_696_384)))
      const result = checkStorage(config, 4096 + 7_696_383)
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.deepStrictEqual([result.left._tag, result.left.required, result.left.available], [
          "StorageTooSmall",
          4096 + 7_696_384,
          4096 + 7_696_383
        ])
        assert.include(result.left.message, "the index needs 7700480")
      }
    }))
})
