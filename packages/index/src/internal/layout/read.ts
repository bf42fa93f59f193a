/**
 * Reading a layout (layout.md §6, §8): the super block and configuration
 * through the volume package's decoder, with the failure classified as the
 * reference does (no region magic, or a configuration that differs from the
 * caller's: `NoIndex`; anything else: `CorruptData`), then each save slot's
 * header and the current slot.
 *
 * @internal
 */
import { IndexLayout } from "@effect-uds/volume"
import { Effect, Either, Option } from "effect"
import type { IndexConfig } from "../../IndexConfig.js"
import { indexSize } from "../../IndexConfig.js"
import { CorruptData, NoIndex, StorageTooSmall } from "../../IndexError.js"
import { mismatches } from "./configuration.js"
import { currentSlot } from "./currentSlot.js"
import type { Layout } from "./layout.js"
import { payloadOffset } from "./regionTable.js"
import type { SavedSlot, SaveSlot } from "./saveSlot.js"
import { decodeSaveSlot } from "./saveSlot.js"
import { NONCE_INFO_BYTES } from "./superBlock.js"

const { BLOCK_SIZE, HEADER_BYTES, REGION_MAGIC } = IndexLayout

/**
 * Decodes the first `HEADER_BYTES` of an index (from its super block, at
 * the configuration's `offset`) and checks it against the configuration.
 */
export const decodeLayout = (config: IndexConfig, bytes: Uint8Array): Either.Either<Layout, NoIndex | CorruptData> =>
  Either.gen(function*() {
    const magic = bytes.length >= 8 ? new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) : undefined
    if (magic !== REGION_MAGIC) {
      return yield* Either.left(
        new NoIndex({
          message: `no UDS index at byte ${config.offset}: ` +
            (magic === undefined
              ? `${bytes.length} bytes, too short for a region table`
              : `region table magic is 0x${magic.toString(16).padStart(16, "0")}, expected "AlbRgn01"`)
        })
      )
    }
    const parsed = yield* Either.mapLeft(
      IndexLayout.parse(bytes),
      (error) => new CorruptData({ message: error.message, offset: config.offset })
    )
    // The super block sits at device block F + v - s (layout.md §2.4).
    const first = config.offset / BLOCK_SIZE - parsed.volumeOffsetBlocks + parsed.startOffsetBlocks
    if (parsed.firstBlock !== first) {
      return yield* Either.left(
        new CorruptData({
          message: `corrupt UDS index: the HEADER region starts at block ${parsed.firstBlock}, ` +
            `expected ${first} for an index at byte ${config.offset}`,
          offset: config.offset
        })
      )
    }
    const differences = mismatches(parsed.configuration, config)
    if (differences.length > 0) {
      return yield* Either.left(
        new NoIndex({ message: `the index's stored configuration differs from the one given: ${differences.join("; ")}` })
      )
    }
    const regions = parsed.regions
    const nonceAt = payloadOffset(regions.length) + 32
    return {
      superBlockVersion: parsed.superBlockVersion,
      nonceInfo: bytes.slice(nonceAt, nonceAt + NONCE_INFO_BYTES),
      primaryNonce: parsed.primaryNonce,
      volumeNonce: parsed.volumeNonce,
      firstBlock: parsed.firstBlock,
      volumeOffsetBlocks: parsed.volumeOffsetBlocks,
      startOffsetBlocks: parsed.startOffsetBlocks,
      totalBlocks: parsed.totalBlocks,
      maxSaves: parsed.maxSaves,
      pageMapBlocks: parsed.pageMapBlocks,
      openChapterBlocks: parsed.openChapterBlocks,
      configuration: parsed.configuration,
      geometry: parsed.geometry,
      header: regions[0]!,
      config: regions[1]!,
      index: regions[2]!,
      volume: regions[3]!,
      saves: regions.slice(4, 4 + parsed.maxSaves),
      seal: regions[regions.length - 1]!
    }
  })

/** A read layout with every slot as decoded and the one to load. */
export interface ReadLayout {
  readonly layout: Layout
  readonly slots: ReadonlyArray<Either.Either<SaveSlot, CorruptData>>
  readonly current: Option.Option<SavedSlot>
}

/**
 * Reads and decodes a layout through `read` (offsets from the super block):
 * the first two blocks, then each save slot's header block. A slot that does
 * not decode is only left unused; a failed read is passed on.
 */
export const readLayout = <E, R>(
  config: IndexConfig,
  read: (offset: number, length: number) => Effect.Effect<Uint8Array, E, R>
): Effect.Effect<ReadLayout, NoIndex | CorruptData | E, R> =>
  Effect.gen(function*() {
    const layout = yield* Either.match(decodeLayout(config, yield* read(0, HEADER_BYTES)), {
      onLeft: (error) => Effect.fail(error),
      onRight: (value) => Effect.succeed(value)
    })
    const slots: Array<Either.Either<SaveSlot, CorruptData>> = []
    for (let slot = 0; slot < layout.saves.length; slot++) {
      slots.push(decodeSaveSlot(layout, slot, yield* read(layout.saves[slot]!.byteOffset, BLOCK_SIZE)))
    }
    return { layout, slots, current: currentSlot(slots) }
  })

/** The device must hold the whole index from the configuration's offset on (`StorageTooSmall`). */
export const checkStorage = (config: IndexConfig, availableBytes: number): Either.Either<void, StorageTooSmall> => {
  const required = config.offset + indexSize(config)
  return availableBytes >= required
    ? Either.void
    : Either.left(
      new StorageTooSmall({
        message: `the device holds ${availableBytes} bytes; the index needs ${required} ` +
          `(${indexSize(config)} from byte ${config.offset})`,
        required,
        available: availableBytes
      })
    )
}
