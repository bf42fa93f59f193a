/**
 * Finds the volume inside a complete UDS index written by the reference
 * (layout.md): the super block's region table and payload at byte 0, the
 * configuration record in the next block, and the volume nonce derived from
 * them. Pure decoding: every failure is a `CorruptData` naming what was wrong.
 *
 * All byte offsets are relative to the super block (byte 0 of a stand-alone
 * index file; for an index at byte X of a device, read through `X + offset`).
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as Geometry from "./Geometry.js"
import { primaryNonce, volumeNonce } from "./internal/format/nonce.js"
import { CorruptData } from "./VolumeError.js"

/**
 * The layout's allocation unit: every region is a whole number of these.
 *
 * @since 0.1.0
 * @category constants
 */
export const BLOCK_SIZE = 4096

/**
 * Bytes from the super block that `parse` needs: the super block itself and
 * the configuration block that always follows it.
 *
 * @since 0.1.0
 * @category constants
 */
export const HEADER_BYTES = 2 * BLOCK_SIZE

/**
 * The region-table magic, "AlbRgn01" read as a big-endian number and stored little-endian.
 *
 * @since 0.1.0
 * @category constants
 */
export const REGION_MAGIC = 0x416c6252676e3031n

/**
 * The label that opens the super block's payload.
 *
 * @since 0.1.0
 * @category constants
 */
export const SUPER_BLOCK_LABEL = "*ALBIREO*SINGLE*FILE*LAYOUT*001*"

/**
 * The region kind codes of layout.md §2.1.
 *
 * @since 0.1.0
 * @category constants
 */
export const RegionKind = {
  Empty: 0,
  Header: 1,
  Config: 100,
  Index: 101,
  Seal: 102,
  Volume: 201,
  Save: 202,
  IndexPageMap: 301,
  VolumeIndex: 302,
  OpenChapter: 303
} as const

/**
 * The instance number of a region kind that has only one instance.
 *
 * @since 0.1.0
 * @category constants
 */
export const SOLE_INSTANCE = 65535

/**
 * The region-table types of layout.md §2.1.
 *
 * @since 0.1.0
 * @category constants
 */
export const TableType = { Super: 1, Save: 2, Unsaved: 4 } as const

/**
 * One entry of a region table, with where it lies relative to the super block.
 *
 * @since 0.1.0
 * @category models
 */
export interface Region {
  readonly kind: number
  readonly instance: number
  readonly startBlock: number
  readonly blockCount: number
  readonly byteOffset: number
  readonly byteLength: number
}

/**
 * A decoded region table: the 24-byte header, its entries and where its payload starts.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegionTable {
  readonly regionBlocks: number
  readonly type: number
  readonly version: number
  readonly entries: ReadonlyArray<Omit<Region, "byteOffset" | "byteLength">>
  readonly payloadOffset: number
  readonly payloadBytes: number
}

/**
 * The configuration record (geometry.md §8). Its six geometry fields carry
 * `Geometry.Options` names, so the record can be passed to `Geometry.make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Configuration {
  readonly version: "06.02" | "08.02"
  readonly bytesPerPage: number
  readonly recordPagesPerChapter: number
  readonly chaptersPerVolume: number
  readonly sparseChaptersPerVolume: number
  readonly remappedVirtual: number
  readonly remappedPhysical: number
  readonly cacheChapters: number
  readonly volumeIndexMeanDelta: number
  readonly sparseSampleRate: number
  /** The nonce the index's owner supplied at creation; not the volume nonce. */
  readonly userNonce: bigint
}

/**
 * Everything `parse` learns from the first two blocks of an index.
 *
 * @since 0.1.0
 * @category models
 */
export interface Layout {
  /** 3 normally; 7 for an index shrunk by one chapter in an LVM conversion. */
  readonly superBlockVersion: 3 | 7
  readonly blockSize: number
  /** Blocks the whole index spans (the file may be shorter: trailing zero blocks are often trimmed). */
  readonly totalBlocks: number
  /** The HEADER region's start block: start blocks are absolute on the device the index was made on. */
  readonly firstBlock: number
  /** Version 7's volume and start offsets in blocks; 0 otherwise. */
  readonly volumeOffsetBlocks: number
  readonly startOffsetBlocks: number
  readonly maxSaves: number
  readonly openChapterBlocks: number
  readonly pageMapBlocks: number
  readonly primaryNonce: bigint
  /** The nonce stamped into the first 8 bytes of every chapter index page (layout.md §4.3). */
  readonly volumeNonce: bigint
  readonly configuration: Configuration
  readonly geometry: Geometry.Geometry
  /** Byte offset of the volume region (its header page) from the super block. */
  readonly volumeOffset: number
  readonly volumeLength: number
  /** The super block's regions in table order: header, config, index, volume, saves, seal. */
  readonly regions: ReadonlyArray<Region>
}

const TABLE_HEADER_BYTES = 24
const REGION_ENTRY_BYTES = 24
const SUPER_PAYLOAD_V3 = 104
const SUPER_PAYLOAD_V7 = 120
// Block numbers beyond this would give byte offsets past 2^53.
const MAX_BLOCK = Math.floor(Number.MAX_SAFE_INTEGER / BLOCK_SIZE)

const corrupt = (message: string) => Either.left(new CorruptData({ message }))

const hex64 = (value: bigint) => `0x${value.toString(16).padStart(16, "0")}`

const ascii = (bytes: Uint8Array, offset: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(offset, offset + length))

// A printable rendering of label bytes for messages.
const quoted = (text: string) => JSON.stringify(text)

const blockNumber = (value: bigint, what: string): Either.Either<number, CorruptData> =>
  value <= BigInt(MAX_BLOCK)
    ? Either.right(Number(value))
    : corrupt(`corrupt UDS index: ${what} ${value} is beyond any device`)

/**
 * Decodes the region table at the start of `block` (layout.md §2.1): the
 * super block's, or a save slot's. Checks the magic, the table version and
 * that the entries and payload fit in one block; not what the entries say.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeRegionTable = (block: Uint8Array): Either.Either<RegionTable, CorruptData> =>
  Either.gen(function*() {
    if (!(block instanceof Uint8Array)) return yield* corrupt(`not a UDS index: ${typeof block}, not bytes`)
    if (block.length < TABLE_HEADER_BYTES) {
      return yield* corrupt(`not a UDS index: ${block.length} bytes, too short for a region table`)
    }
    const view = new DataView(block.buffer, block.byteOffset, Math.min(block.length, BLOCK_SIZE))
    const magic = view.getBigUint64(0, true)
    if (magic !== REGION_MAGIC) {
      return yield* corrupt(`not a UDS index: region table magic is ${hex64(magic)}, expected ${hex64(REGION_MAGIC)} ("AlbRgn01")`)
    }
    const version = view.getUint16(18, true)
    if (version !== 1) return yield* corrupt(`unsupported UDS index: region table version ${version}, expected 1`)
    const count = view.getUint16(20, true)
    const payloadBytes = view.getUint16(22, true)
    const payloadOffset = TABLE_HEADER_BYTES + count * REGION_ENTRY_BYTES
    if (payloadOffset + payloadBytes > view.byteLength) {
      return yield* corrupt(
        `corrupt UDS index: ${count} region entries and a ${payloadBytes}-byte payload do not fit in ` +
          (view.byteLength < BLOCK_SIZE ? `the ${view.byteLength} bytes given` : `one ${BLOCK_SIZE}-byte block`)
      )
    }
    const regionBlocks = yield* blockNumber(view.getBigUint64(8, true), "region table size")
    const entries: Array<Omit<Region, "byteOffset" | "byteLength">> = []
    for (let i = 0; i < count; i++) {
      const at = TABLE_HEADER_BYTES + i * REGION_ENTRY_BYTES
      entries.push({
        startBlock: yield* blockNumber(view.getBigUint64(at, true), `region ${i} start block`),
        blockCount: yield* blockNumber(view.getBigUint64(at + 8, true), `region ${i} block count`),
        kind: view.getUint16(at + 20, true),
        instance: view.getUint16(at + 22, true)
      })
    }
    return { regionBlocks, type: view.getUint16(16, true), version, entries, payloadOffset, payloadBytes }
  })

interface SuperData {
  readonly version: 3 | 7
  readonly primaryNonce: bigint
  readonly maxSaves: number
  readonly openChapterBlocks: number
  readonly pageMapBlocks: number
  readonly volumeOffsetBlocks: number
  readonly startOffsetBlocks: number
}

// The super block payload (layout.md §1.2), checks 5-10 of §6.
const decodeSuperData = (block: Uint8Array, table: RegionTable): Either.Either<SuperData, CorruptData> =>
  Either.gen(function*() {
    const at = table.payloadOffset
    if (table.payloadBytes < SUPER_PAYLOAD_V3) {
      return yield* corrupt(`corrupt UDS index: super block payload is ${table.payloadBytes} bytes, expected ${SUPER_PAYLOAD_V3}`)
    }
    const view = new DataView(block.buffer, block.byteOffset + at, table.payloadBytes)
    const label = ascii(block, at, 32)
    if (label !== SUPER_BLOCK_LABEL) {
      return yield* corrupt(`not a UDS index: super block label is ${quoted(label)}, expected ${quoted(SUPER_BLOCK_LABEL)}`)
    }
    const version = view.getUint32(72, true)
    if (version !== 3 && version !== 7) {
      return yield* corrupt(`unsupported UDS index: super block version ${version}, expected 3 or 7`)
    }
    const expectedPayload = version === 7 ? SUPER_PAYLOAD_V7 : SUPER_PAYLOAD_V3
    if (table.payloadBytes !== expectedPayload) {
      return yield* corrupt(
        `corrupt UDS index: super block payload is ${table.payloadBytes} bytes, expected ${expectedPayload} for version ${version}`
      )
    }
    const volumeOffsetBlocks = version === 7 ? yield* blockNumber(view.getBigUint64(104, true), "volume offset") : 0
    const startOffsetBlocks = version === 7 ? yield* blockNumber(view.getBigUint64(112, true), "start offset") : 0
    if (volumeOffsetBlocks < startOffsetBlocks) {
      return yield* corrupt(
        `corrupt UDS index: volume offset ${volumeOffsetBlocks} is below start offset ${startOffsetBlocks}`
      )
    }
    const indexCount = view.getUint16(80, true)
    if (indexCount !== 1) return yield* corrupt(`corrupt UDS index: index count is ${indexCount}, expected 1`)
    const stored = view.getBigUint64(64, true)
    const expected = primaryNonce(block.subarray(at + 32, at + 64))
    if (stored !== expected) {
      return yield* corrupt(
        `corrupt UDS index: primary nonce ${hex64(stored)} is not the hash of the nonce info (${hex64(expected)})`
      )
    }
    const blockSize = view.getUint32(76, true)
    if (blockSize !== BLOCK_SIZE) return yield* corrupt(`corrupt UDS index: block size is ${blockSize}, expected ${BLOCK_SIZE}`)
    return {
      version,
      primaryNonce: stored,
      maxSaves: view.getUint16(82, true),
      openChapterBlocks: yield* blockNumber(view.getBigUint64(88, true), "open chapter size"),
      pageMapBlocks: yield* blockNumber(view.getBigUint64(96, true), "page map size"),
      volumeOffsetBlocks,
      startOffsetBlocks
    }
  })

const KIND_NAMES: Record<number, string> = {
  [RegionKind.Header]: "HEADER",
  [RegionKind.Config]: "CONFIG",
  [RegionKind.Index]: "INDEX",
  [RegionKind.Seal]: "SEAL",
  [RegionKind.Volume]: "VOLUME",
  [RegionKind.Save]: "SAVE"
}

// Checks 11-18 of layout.md §6: the super table's entries are header, config,
// index, volume, the saves and the seal, each where the previous ones put it.
const checkSuperRegions = (table: RegionTable, data: SuperData): Either.Either<void, CorruptData> =>
  Either.gen(function*() {
    if (data.maxSaves < 1 || table.entries.length !== 5 + data.maxSaves) {
      return yield* corrupt(
        `corrupt UDS index: ${table.entries.length} regions for ${data.maxSaves} save slots, expected ${5 + data.maxSaves}`
      )
    }
    const entry = (i: number) => table.entries[i]!
    const first = entry(0).startBlock
    const shift = data.volumeOffsetBlocks
    const index = entry(2)
    const volume = entry(3)
    const expect = (i: number, kind: number, instance: number, start: number, count?: number) => {
      const { blockCount, instance: actualInstance, kind: actualKind, startBlock } = entry(i)
      const name = KIND_NAMES[kind]!
      if (actualKind !== kind || actualInstance !== instance) {
        return corrupt(
          `corrupt UDS index: region ${i} is kind ${actualKind} instance ${actualInstance}, expected ${name} (${kind}) instance ${instance}`
        )
      }
      if (startBlock !== start) {
        return corrupt(`corrupt UDS index: ${name} region ${i} starts at block ${startBlock}, expected ${start}`)
      }
      if (count !== undefined && blockCount !== count) {
        return corrupt(`corrupt UDS index: ${name} region ${i} has ${blockCount} blocks, expected ${count}`)
      }
      return Either.void
    }
    yield* expect(0, RegionKind.Header, SOLE_INSTANCE, first, 1)
    yield* expect(1, RegionKind.Config, SOLE_INSTANCE, first + 1, 1)
    yield* expect(2, RegionKind.Index, 0, first + 2)
    yield* expect(3, RegionKind.Volume, SOLE_INSTANCE, first + 2)
    let next = volume.startBlock + volume.blockCount + shift
    for (let slot = 0; slot < data.maxSaves; slot++) {
      yield* expect(4 + slot, RegionKind.Save, slot, next)
      next += entry(4 + slot).blockCount
    }
    const indexEnd = index.startBlock + index.blockCount + shift
    if (next !== indexEnd) {
      return yield* corrupt(`corrupt UDS index: the save slots end at block ${next}, the INDEX region at ${indexEnd}`)
    }
    yield* expect(4 + data.maxSaves, RegionKind.Seal, SOLE_INSTANCE, indexEnd, 1)
    if (table.regionBlocks !== index.blockCount + 3) {
      return yield* corrupt(
        `corrupt UDS index: the index spans ${table.regionBlocks} blocks, expected ${index.blockCount + 3}`
      )
    }
  })

// The configuration record (geometry.md §8, layout.md §3), checks 19-20 plus
// a geometry the volume code accepts.
const decodeConfiguration = (bytes: Uint8Array, at: number): Either.Either<Configuration, CorruptData> =>
  Either.gen(function*() {
    if (bytes.length < at + 10) {
      return yield* corrupt(`corrupt UDS index: the configuration at byte ${at} lies past the ${bytes.length} bytes given`)
    }
    const magic = ascii(bytes, at, 5)
    if (magic !== "ALBIC") return yield* corrupt(`corrupt UDS index: configuration magic is ${quoted(magic)}, expected "ALBIC"`)
    const version = ascii(bytes, at + 5, 5)
    if (version !== "06.02" && version !== "08.02") {
      return yield* corrupt(`corrupt UDS index: configuration version ${quoted(version)}, expected "06.02" or "08.02"`)
    }
    const length = version === "08.02" ? 66 : 50
    if (bytes.length < at + length) {
      return yield* corrupt(`corrupt UDS index: the ${length}-byte configuration at byte ${at} is cut off at byte ${bytes.length}`)
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, length)
    const u32 = (offset: number) => view.getUint32(offset, true)
    const remapped = (offset: number, name: string) => {
      const value = view.getBigUint64(offset, true)
      return value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Either.right(Number(value))
        : corrupt(`corrupt UDS index: configuration ${name} ${value} is out of range`)
    }
    return {
      version,
      recordPagesPerChapter: u32(10),
      chaptersPerVolume: u32(14),
      sparseChaptersPerVolume: u32(18),
      cacheChapters: u32(22),
      volumeIndexMeanDelta: u32(30),
      bytesPerPage: u32(34),
      sparseSampleRate: u32(38),
      userNonce: view.getBigUint64(42, true),
      remappedVirtual: version === "08.02" ? yield* remapped(50, "remapped_virtual") : 0,
      remappedPhysical: version === "08.02" ? yield* remapped(58, "remapped_physical") : 0
    }
  })

const makeGeometry = (configuration: Configuration): Either.Either<Geometry.Geometry, CorruptData> => {
  if (configuration.bytesPerPage % 32 !== 0) {
    return corrupt(`corrupt UDS index: configuration page size ${configuration.bytesPerPage} is not a multiple of 32`)
  }
  return Either.mapLeft(
    Effect.runSync(Effect.either(Geometry.make(configuration))),
    (error) => new CorruptData({ message: `corrupt UDS index: configuration geometry rejected: ${error.message}` })
  )
}

// The sizes the creator derived from the geometry (layout.md §2.2). A version 7
// index lost one chapter after creation, so its volume region and page map may
// be larger than the reduced geometry needs, never smaller.
const checkSizes = (
  data: SuperData,
  geometry: Geometry.Geometry,
  volumeBlocks: number
): Either.Either<void, CorruptData> => {
  const exact = data.version === 3
  const needVolume = Math.ceil(geometry.bytesPerVolume / BLOCK_SIZE)
  if (exact ? volumeBlocks !== needVolume : volumeBlocks < needVolume) {
    return corrupt(
      `corrupt UDS index: the VOLUME region has ${volumeBlocks} blocks, the configured geometry needs ${needVolume}`
    )
  }
  const needOpenChapter = Math.ceil((5 + 5 + 4 + 32 * geometry.recordsPerChapter) / BLOCK_SIZE)
  if (data.openChapterBlocks !== needOpenChapter) {
    return corrupt(
      `corrupt UDS index: ${data.openChapterBlocks} open chapter blocks, the configured geometry needs ${needOpenChapter}`
    )
  }
  const needPageMap = Math.ceil(
    (16 + 2 * geometry.chaptersPerVolume * (geometry.indexPagesPerChapter - 1)) / BLOCK_SIZE
  )
  if (exact ? data.pageMapBlocks !== needPageMap : data.pageMapBlocks < needPageMap) {
    return corrupt(`corrupt UDS index: ${data.pageMapBlocks} page map blocks, the configured geometry needs ${needPageMap}`)
  }
  return Either.void
}

/**
 * Decodes the super block and configuration record of a UDS index from its
 * first bytes (at least `HEADER_BYTES`, starting at the super block), with
 * every check of layout.md §6 up to the configuration, and a cross-check of
 * the region sizes against the configured geometry. Anything else is
 * `CorruptData` with a one-line message naming what was wrong ("not a UDS
 * index: ...", "unsupported UDS index: ...", "corrupt UDS index: ..."). Never
 * throws.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parse = (bytes: Uint8Array): Either.Either<Layout, CorruptData> =>
  Either.gen(function*() {
    if (!(bytes instanceof Uint8Array)) return yield* corrupt(`not a UDS index: ${typeof bytes}, not bytes`)
    const superBlock = bytes.subarray(0, BLOCK_SIZE)
    const table = yield* decodeRegionTable(superBlock)
    if (table.type !== TableType.Super) {
      return yield* corrupt(`corrupt UDS index: super block table type is ${table.type}, expected ${TableType.Super}`)
    }
    const data = yield* decodeSuperData(superBlock, table)
    yield* checkSuperRegions(table, data)

    const first = table.entries[0]!.startBlock
    const configuration = yield* decodeConfiguration(bytes, (table.entries[1]!.startBlock - first) * BLOCK_SIZE)
    const geometry = yield* makeGeometry(configuration)
    const volume = table.entries[3]!
    yield* checkSizes(data, geometry, volume.blockCount)

    // Save slots and the seal carry the version 7 volume offset in their start blocks.
    const regions = table.entries.map((entry): Region => {
      const shifted = entry.kind === RegionKind.Save || entry.kind === RegionKind.Seal
      return {
        ...entry,
        byteOffset: (entry.startBlock - first - (shifted ? data.volumeOffsetBlocks : 0)) * BLOCK_SIZE,
        byteLength: entry.blockCount * BLOCK_SIZE
      }
    })
    return {
      superBlockVersion: data.version,
      blockSize: BLOCK_SIZE,
      totalBlocks: table.regionBlocks,
      firstBlock: first,
      volumeOffsetBlocks: data.volumeOffsetBlocks,
      startOffsetBlocks: data.startOffsetBlocks,
      maxSaves: data.maxSaves,
      openChapterBlocks: data.openChapterBlocks,
      pageMapBlocks: data.pageMapBlocks,
      primaryNonce: data.primaryNonce,
      // Derived from the INDEX region's start block exactly as recorded.
      volumeNonce: volumeNonce(data.primaryNonce, BigInt(table.entries[2]!.startBlock)),
      configuration,
      geometry,
      volumeOffset: regions[3]!.byteOffset,
      volumeLength: regions[3]!.byteLength,
      regions
    }
  })

/**
 * Reads the first `HEADER_BYTES` of an index through `read` (a block
 * device's read, positioned at the super block) and parses them. A failed
 * read is passed on unchanged.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = <E, R>(
  read: (offset: number, length: number) => Effect.Effect<Uint8Array, E, R>
): Effect.Effect<Layout, CorruptData | E, R> => Effect.flatMap(read(0, HEADER_BYTES), parse)
