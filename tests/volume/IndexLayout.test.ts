import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck } from "effect"
import { Geometry, IndexLayout, VolumeError } from "@effect-uds/volume"
import { murmurHash3x64 } from "../../packages/volume/src/internal/format/murmurHash3.js"
import { nonceHash, primaryNonce, volumeNonce } from "../../packages/volume/src/internal/format/nonce.js"
import { readMeta, skipReason, vectorsDir, vectorsPresent } from "../support/vectors.js"

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"))
const digest = ([h1, h2]: readonly [bigint, bigint]) => {
  const bytes = new Uint8Array(16)
  new DataView(bytes.buffer).setBigUint64(0, h1, true)
  new DataView(bytes.buffer).setBigUint64(8, h2, true)
  return hexOf(bytes)
}

// index-tiny's nonce info and the nonces layout.md §4.3 derives from it.
const TINY_NONCE_INFO = fromHex("5b9be4ce95e8ea1867458bc65b9be4ce95e8ea1867458bc65b9be4ce95e8ea18")
const TINY_PRIMARY_NONCE = 1467992170340030617n
const TINY_VOLUME_NONCE = 5874587135237117706n

interface Synthetic {
  readonly geometry?: Geometry.Options
  readonly superVersion?: 3 | 7
  readonly configVersion?: "06.02" | "08.02"
  readonly firstBlock?: number
  readonly volumeOffsetBlocks?: number
  readonly startOffsetBlocks?: number
  readonly extraVolumeBlocks?: number
  readonly volumeIndexBlocks?: number
  readonly cacheChapters?: number
  readonly userNonce?: bigint
}

// The first HEADER_BYTES of an index, written by hand from layout.md §1-§3.
const buildHeader = (spec: Synthetic = {}) => {
  const options = spec.geometry ?? { recordPagesPerChapter: 32, chaptersPerVolume: 4 }
  const geometry = Effect.runSync(Geometry.make(options))
  const version = spec.superVersion ?? 3
  const first = spec.firstBlock ?? 0
  const shift = spec.volumeOffsetBlocks ?? 0
  const volumeBlocks = Math.ceil(geometry.bytesPerVolume / 4096) + (spec.extraVolumeBlocks ?? 0)
  const openChapterBlocks = Math.ceil((14 + 32 * geometry.recordsPerChapter) / 4096)
  const pageMapBlocks = Math.ceil((16 + 2 * geometry.chaptersPerVolume * (geometry.indexPagesPerChapter - 1)) / 4096)
  const saveBlocks = 1 + pageMapBlocks + openChapterBlocks + (spec.volumeIndexBlocks ?? 5)
  const indexBlocks = volumeBlocks + 2 * saveBlocks
  const regions: ReadonlyArray<readonly [number, number, number, number]> = [
    [first, 1, 1, 65535],
    [first + 1, 1, 100, 65535],
    [first + 2, indexBlocks, 101, 0],
    [first + 2, volumeBlocks, 201, 65535],
    [first + 2 + volumeBlocks + shift, saveBlocks, 202, 0],
    [first + 2 + volumeBlocks + shift + saveBlocks, saveBlocks, 202, 1],
    [first + 2 + indexBlocks + shift, 1, 102, 65535]
  ]
  const bytes = new Uint8Array(IndexLayout.HEADER_BYTES)
  const view = new DataView(bytes.buffer)
  bytes.set([0x31, 0x30, 0x6e, 0x67, 0x52, 0x62, 0x6c, 0x41], 0)
  view.setBigUint64(8, BigInt(indexBlocks + 3), true)
  view.setUint16(16, 1, true)
  view.setUint16(18, 1, true)
  view.setUint16(20, regions.length, true)
  view.setUint16(22, version === 7 ? 120 : 104, true)
  regions.forEach(([start, count, kind, instance], i) => {
    view.setBigUint64(24 + 24 * i, BigInt(start), true)
    view.setBigUint64(32 + 24 * i, BigInt(count), true)
    view.setUint16(44 + 24 * i, kind, true)
    view.setUint16(46 + 24 * i, instance, true)
  })
  const payload = 24 + 24 * regions.length
  bytes.set(new TextEncoder().encode("*ALBIREO*SINGLE*FILE*LAYOUT*001*"), payload)
  bytes.set(TINY_NONCE_INFO, payload + 32)
  view.setBigUint64(payload + 64, TINY_PRIMARY_NONCE, true)
  view.setUint32(payload + 72, version, true)
  view.setUint32(payload + 76, 4096, true)
  view.setUint16(payload + 80, 1, true)
  view.setUint16(payload + 82, 2, true)
  view.setBigUint64(payload + 88, BigInt(openChapterBlocks), true)
  view.setBigUint64(payload + 96, BigInt(pageMapBlocks), true)
  if (version === 7) {
    view.setBigUint64(payload + 104, BigInt(shift), true)
    view.setBigUint64(payload + 112, BigInt(spec.startOffsetBlocks ?? 0), true)
  }
  const config = 4096
  const configVersion = spec.configVersion ?? (version === 7 ? "08.02" : "06.02")
  bytes.set(new TextEncoder().encode(`ALBIC${configVersion}`), config)
  view.setUint32(config + 10, geometry.recordPagesPerChapter, true)
  view.setUint32(config + 14, geometry.chaptersPerVolume, true)
  view.setUint32(config + 18, geometry.sparseChaptersPerVolume, true)
  view.setUint32(config + 22, spec.cacheChapters ?? 7, true)
  view.setUint32(config + 30, 4096, true)
  view.setUint32(config + 34, geometry.bytesPerPage, true)
  view.setUint32(config + 38, geometry.sparseChaptersPerVolume > 0 ? 32 : 0, true)
  view.setBigUint64(config + 42, spec.userNonce ?? 0n, true)
  if (configVersion === "08.02") {
    view.setBigUint64(config + 50, BigInt(geometry.remappedVirtual), true)
    view.setBigUint64(config + 58, BigInt(geometry.remappedPhysical), true)
  }
  return { bytes, geometry, volumeBlocks, saveBlocks, indexBlocks, openChapterBlocks, pageMapBlocks }
}

const parseRight = (bytes: Uint8Array) => {
  const result = IndexLayout.parse(bytes)
  if (Either.isLeft(result)) assert.fail(`expected a layout, got CorruptData: ${result.left.message}`)
  return result.right
}
const parseLeft = (bytes: Uint8Array): VolumeError.CorruptData => {
  const result = IndexLayout.parse(bytes)
  if (Either.isRight(result)) assert.fail("expected CorruptData, got a layout")
  assert.strictEqual(result.left._tag, "CorruptData")
  return result.left
}
const withByte = (bytes: Uint8Array, offset: number, value: number) => {
  const copy = Uint8Array.from(bytes)
  copy[offset] = value
  return copy
}

// Bytes of the synthetic version 3 header that parse checks (offset ranges, end exclusive).
const PAYLOAD = 24 + 24 * 7
const CONFIG = 4096
const checkedRanges: ReadonlyArray<readonly [string, number, number]> = [
  ["region table header", 0, 24],
  ...Array.from({ length: 7 }, (_, i) => [
    [`region ${i} start and count`, 24 + 24 * i, 40 + 24 * i] as const,
    [`region ${i} kind and instance`, 44 + 24 * i, 48 + 24 * i] as const
  ]).flat(),
  ["label, nonce info, primary nonce, version, block size, index count, max saves", PAYLOAD, PAYLOAD + 84],
  ["open chapter and page map blocks", PAYLOAD + 88, PAYLOAD + 104],
  ["configuration magic, version, record pages, chapters", CONFIG, CONFIG + 18],
  ["configuration bytes per page", CONFIG + 34, CONFIG + 38]
]
// Bytes the reference ignores or cannot check: reserved fields, zero fill, the
// configuration's cache size, unused word, mean delta and user nonce.
const ignoredRanges: ReadonlyArray<readonly [string, number, number]> = [
  ["region 0 reserved", 40, 44],
  ["super block reserved", PAYLOAD + 84, PAYLOAD + 88],
  ["zero fill after the super block", PAYLOAD + 104, 4096],
  ["configuration cache chapters, unused, mean delta", CONFIG + 22, CONFIG + 34],
  ["configuration user nonce", CONFIG + 42, CONFIG + 50],
  ["zero fill after the configuration", CONFIG + 50, 8192]
]

describe("IndexLayout", () => {
  describe("nonces (layout.md §4)", () => {
    const digests: ReadonlyArray<readonly [string, string]> = [
      ["", "00000000000000000000000000000000"],
      ["hello", "029bbd41b3a7d8cb191dae486a901e5b"],
      ["abc", "6778ad3f3f3f96b4522dca264174a23b"],
      ["The quick brown fox jumps over the lazy dog", "6c1b07bc7bbc4be347939ac4a93c437a"],
      ["The quick brown fox jumps over the lazy cog", "9a2685ff70a98c653e5c8ea6eae3fe43"]
    ]
    for (const [text, expected] of digests) {
      it(`MurmurHash3_x64_128(${JSON.stringify(text)}, 0) is the published digest`, () => {
        assert.strictEqual(digest(murmurHash3x64(new TextEncoder().encode(text), 0)), expected)
      })
    }

    it("the primary nonce of index-tiny's nonce info is the stored one", () => {
      assert.strictEqual(primaryNonce(TINY_NONCE_INFO), TINY_PRIMARY_NONCE)
    })

    it("the volume nonce hashes the INDEX start block under primary + 1", () => {
      assert.strictEqual(volumeNonce(TINY_PRIMARY_NONCE, 2n), TINY_VOLUME_NONCE)
      const data = fromHex("02000000000000000000000000000000")
      assert.strictEqual(nonceHash(TINY_PRIMARY_NONCE + 1n, data), TINY_VOLUME_NONCE)
    })
  })

  describe("parse on a super block written by hand", () => {
    it("decodes every field of a version 3 index", () => {
      const { bytes, geometry, indexBlocks, openChapterBlocks, pageMapBlocks, saveBlocks, volumeBlocks } =
        buildHeader({ cacheChapters: 9, userNonce: 0x0123456789abcdefn })
      const layout = parseRight(bytes)
      assert.strictEqual(layout.superBlockVersion, 3)
      assert.strictEqual(layout.blockSize, 4096)
      assert.strictEqual(layout.totalBlocks, indexBlocks + 3)
      assert.strictEqual(layout.firstBlock, 0)
      assert.strictEqual(layout.maxSaves, 2)
      assert.strictEqual(layout.openChapterBlocks, openChapterBlocks)
      assert.strictEqual(layout.pageMapBlocks, pageMapBlocks)
      assert.strictEqual(layout.primaryNonce, TINY_PRIMARY_NONCE)
      assert.strictEqual(layout.volumeNonce, TINY_VOLUME_NONCE)
      assert.deepStrictEqual(layout.geometry, geometry)
      assert.deepStrictEqual(layout.configuration, {
        version: "06.02",
        bytesPerPage: 32768,
        recordPagesPerChapter: 32,
        chaptersPerVolume: 4,
        sparseChaptersPerVolume: 0,
        remappedVirtual: 0,
        remappedPhysical: 0,
        cacheChapters: 9,
        volumeIndexMeanDelta: 4096,
        sparseSampleRate: 0,
        userNonce: 0x0123456789abcdefn
      })
      assert.strictEqual(layout.volumeOffset, 8192)
      assert.strictEqual(layout.volumeLength, geometry.bytesPerVolume)
      assert.deepStrictEqual(
        layout.regions.map(({ blockCount, byteOffset, instance, kind, startBlock }) => [kind, instance, startBlock, blockCount, byteOffset]),
        [
          [1, 65535, 0, 1, 0],
          [100, 65535, 1, 1, 4096],
          [101, 0, 2, indexBlocks, 8192],
          [201, 65535, 2, volumeBlocks, 8192],
          [202, 0, 2 + volumeBlocks, saveBlocks, (2 + volumeBlocks) * 4096],
          [202, 1, 2 + volumeBlocks + saveBlocks, saveBlocks, (2 + volumeBlocks + saveBlocks) * 4096],
          [102, 65535, 2 + indexBlocks, 1, (2 + indexBlocks) * 4096]
        ]
      )
    })

    it("gives its configuration to Geometry.make unchanged", () =>
      Effect.runSync(Effect.gen(function*() {
        const layout = parseRight(buildHeader({ geometry: { recordPagesPerChapter: 64 } }).bytes)
        assert.deepStrictEqual(yield* Geometry.make(layout.configuration), layout.geometry)
        assert.strictEqual(layout.geometry.indexPagesPerChapter, 6)
      })))

    it("places regions relative to the super block when the index starts at block 1 (inside a VDO device)", () => {
      const { bytes } = buildHeader({ firstBlock: 1 })
      const layout = parseRight(bytes)
      assert.strictEqual(layout.firstBlock, 1)
      assert.strictEqual(layout.regions[3]!.startBlock, 3)
      assert.strictEqual(layout.volumeOffset, 8192)
      // The nonce depends on the recorded INDEX start block, not the relative one.
      assert.strictEqual(layout.volumeNonce, volumeNonce(TINY_PRIMARY_NONCE, 3n))
      assert.notStrictEqual(layout.volumeNonce, TINY_VOLUME_NONCE)
    })

    it("decodes a version 7 (converted) index with an 08.02 configuration and shifted save slots", () => {
      const options = { recordPagesPerChapter: 64, chaptersPerVolume: 1023, remappedVirtual: 2047, remappedPhysical: 511 }
      const { bytes, geometry, volumeBlocks } = buildHeader({
        geometry: options,
        superVersion: 7,
        volumeOffsetBlocks: 8,
        startOffsetBlocks: 3,
        extraVolumeBlocks: 56
      })
      const layout = parseRight(bytes)
      assert.strictEqual(layout.superBlockVersion, 7)
      assert.strictEqual(layout.volumeOffsetBlocks, 8)
      assert.strictEqual(layout.startOffsetBlocks, 3)
      assert.strictEqual(layout.configuration.version, "08.02")
      assert.strictEqual(layout.geometry.remappedVirtual, 2047)
      assert.strictEqual(layout.geometry.remappedPhysical, 511)
      assert.deepStrictEqual(layout.geometry, geometry)
      assert.strictEqual(layout.volumeOffset, 8192)
      assert.strictEqual(layout.volumeLength, volumeBlocks * 4096)
      // Save start blocks include the volume offset; their byte offsets do not.
      assert.strictEqual(layout.regions[4]!.startBlock, 2 + volumeBlocks + 8)
      assert.strictEqual(layout.regions[4]!.byteOffset, (2 + volumeBlocks) * 4096)
    })

    for (const [what, from, to] of checkedRanges) {
      it(`rejects any flipped byte of the ${what}`, () => {
        const { bytes } = buildHeader()
        for (let offset = from; offset < to; offset++) {
          const result = IndexLayout.parse(withByte(bytes, offset, bytes[offset]! ^ 0xff))
          assert.isTrue(Either.isLeft(result), `byte ${offset} flipped was accepted`)
        }
      })
    }

    for (const [what, from, to] of ignoredRanges) {
      it(`accepts any value in the ${what}, as the reference does`, () => {
        const { bytes } = buildHeader()
        for (let offset = from; offset < to; offset++) {
          const result = IndexLayout.parse(withByte(bytes, offset, bytes[offset]! ^ 0xff))
          assert.isTrue(Either.isRight(result), `byte ${offset} flipped was rejected`)
        }
      })
    }

    const named: ReadonlyArray<readonly [string, number, number, string]> = [
      ["a wrong magic", 0, 0x30, "not a UDS index: region table magic is 0x416c6252676e3030"],
      ["table version 2", 18, 2, "unsupported UDS index: region table version 2"],
      ["a save table type", 16, 2, "super block table type is 2"],
      ["a wrong label", PAYLOAD, 0x2b, "not a UDS index: super block label is \"+ALBIREO"],
      ["super block version 5", PAYLOAD + 72, 5, "unsupported UDS index: super block version 5"],
      ["a block size of 4097", PAYLOAD + 76, 1, "block size is 4097"],
      ["two sub-indexes", PAYLOAD + 80, 2, "index count is 2"],
      ["changed nonce info", PAYLOAD + 40, 0, "primary nonce"],
      ["a moved CONFIG region", 24 + 24, 7, "CONFIG region 1 starts at block 7, expected 1"],
      ["a wrong region kind", 24 + 24 * 3 + 20, 0xca, "region 3 is kind 202 instance 65535, expected VOLUME (201)"],
      ["a configuration magic of ALBIX", CONFIG + 4, 0x58, "configuration magic is \"ALBIX\""],
      ["configuration version 07.02", CONFIG + 6, 0x37, "configuration version \"07.02\""],
      ["a page size that is not a multiple of 32", CONFIG + 34, 1, "not a multiple of 32"],
      ["a geometry of 5 chapters in a 4-chapter volume region", CONFIG + 14, 5, "VOLUME region has 1128 blocks, the configured geometry needs 1408"]
    ]
    for (const [what, offset, value, message] of named) {
      it(`names ${what} in its CorruptData message`, () => {
        const error = parseLeft(withByte(buildHeader().bytes, offset, value))
        assert.include(error.message, message)
        assert.notInclude(error.message, "\n")
      })
    }

    it("rejects a zeroed header as not a UDS index", () => {
      assert.include(parseLeft(new Uint8Array(IndexLayout.HEADER_BYTES)).message, "not a UDS index: region table magic is 0x0000000000000000")
    })

    it("rejects every truncation of a valid header", () => {
      const { bytes } = buildHeader()
      for (const length of [0, 7, 23, 24, 100, 191, 295, 4095, 4096, 4105, 4145]) {
        parseLeft(bytes.subarray(0, length))
      }
      // The configuration record ends at byte 4146; the zero fill after it is not needed.
      parseRight(bytes.subarray(0, 4146))
    })

    it.prop("returns CorruptData for random bytes, never throwing", [FastCheck.uint8Array({ maxLength: 9000 })], ([bytes]) => {
      parseLeft(bytes)
    }, { fastCheck: { numRuns: 200 } })

    it.prop(
      "returns an Either for a valid header with random bytes overwritten, never throwing",
      [FastCheck.array(FastCheck.tuple(FastCheck.integer({ min: 0, max: 8191 }), FastCheck.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })],
      ([writes]) => {
        const bytes = Uint8Array.from(buildHeader().bytes)
        for (const [offset, value] of writes) bytes[offset] = value
        const result = IndexLayout.parse(bytes)
        assert.isTrue(Either.isLeft(result) || result.right.volumeLength === 1128 * 4096)
      },
      { fastCheck: { numRuns: 300 } }
    )
  })

  describe("open", () => {
    it.effect("reads HEADER_BYTES from offset 0 and parses them", () =>
      Effect.gen(function*() {
        const { bytes } = buildHeader()
        const reads: Array<readonly [number, number]> = []
        const layout = yield* IndexLayout.open((offset, length) =>
          Effect.sync(() => {
            reads.push([offset, length])
            return bytes.subarray(offset, offset + length)
          })
        )
        assert.deepStrictEqual(reads, [[0, IndexLayout.HEADER_BYTES]])
        assert.strictEqual(layout.volumeNonce, TINY_VOLUME_NONCE)
      }))

    it.effect("fails with CorruptData for a device holding no index", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(IndexLayout.open((_, length) => Effect.succeed(new Uint8Array(length))))
        assert.strictEqual(error._tag, "CorruptData")
      }))

    it.effect("passes a read error on unchanged", () =>
      Effect.gen(function*() {
        const failure = new VolumeError.IoError({ message: "device gone", operation: "read", offset: 0 })
        assert.strictEqual(yield* Effect.flip(IndexLayout.open(() => Effect.fail(failure))), failure)
      }))
  })

  describe.skipIf(!vectorsPresent)(`index-tiny, a whole index written by the reference (${vectorsPresent ? "present" : skipReason})`, () => {
    const file = path.join(vectorsDir, "index-tiny", "index.bin")
    const readFile = (offset: number, length: number) =>
      Effect.sync(() => {
        const buffer = new Uint8Array(length)
        const fd = fs.openSync(file, "r")
        try {
          fs.readSync(fd, buffer, 0, length, offset)
        } finally {
          fs.closeSync(fd)
        }
        return buffer
      })

    it.effect("has the geometry, volume nonce and volume region of its meta.json", () =>
      Effect.gen(function*() {
        const meta = readMeta("index-tiny")
        const layout = yield* IndexLayout.open(readFile)
        const geometry = layout.geometry as unknown as Record<string, number>
        for (const [field, expected] of Object.entries(meta.geometry)) {
          const name = field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
          assert.strictEqual(geometry[name], expected, field)
        }
        assert.strictEqual(layout.volumeNonce, BigInt(meta.volume_nonce))
        const region = meta["volume_region"] as { readonly byte_offset: number; readonly byte_length: number }
        assert.strictEqual(layout.volumeOffset, 8192)
        assert.strictEqual(region.byte_offset, 8192)
        assert.strictEqual(layout.volumeLength, region.byte_length)
        assert.strictEqual(layout.totalBlocks * 4096, meta["uds_compute_index_size"])
      }))

    it.effect("has the configuration and regions layout.md §2.5 and §3 decode", () =>
      Effect.gen(function*() {
        const layout = yield* IndexLayout.open(readFile)
        assert.strictEqual(layout.primaryNonce, TINY_PRIMARY_NONCE)
        assert.strictEqual(layout.configuration.cacheChapters, 7)
        assert.strictEqual(layout.configuration.volumeIndexMeanDelta, 4096)
        assert.strictEqual(layout.configuration.sparseSampleRate, 0)
        assert.strictEqual(layout.configuration.userNonce, 0n)
        assert.strictEqual(layout.openChapterBlocks, 257)
        assert.strictEqual(layout.pageMapBlocks, 1)
        assert.deepStrictEqual(
          layout.regions.map(({ blockCount, instance, kind, startBlock }) => [kind, instance, startBlock, blockCount]),
          [[1, 65535, 0, 1], [100, 65535, 1, 1], [101, 0, 2, 1876], [201, 65535, 2, 1128], [202, 0, 1130, 374], [202, 1, 1504, 374], [102, 65535, 1878, 1]]
        )
      }))

    it.effect("finds its volume nonce at the start of every written chapter's index pages", () =>
      Effect.gen(function*() {
        const layout = yield* IndexLayout.open(readFile)
        const { bytesPerPage, indexPagesPerChapter } = layout.geometry
        // Chapters 0..2 are closed (meta.json: newest virtual chapter 3 is still open).
        for (let chapter = 0; chapter < 3; chapter++) {
          for (let page = 0; page < indexPagesPerChapter; page++) {
            const physicalPage = Geometry.physicalPage(layout.geometry, chapter, page)
            const header = yield* readFile(layout.volumeOffset + physicalPage * bytesPerPage, 8)
            assert.strictEqual(new DataView(header.buffer).getBigUint64(0, true), layout.volumeNonce, `chapter ${chapter} page ${page}`)
          }
        }
      }))
  })
})
