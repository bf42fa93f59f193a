import { assert, describe, it } from "@effect/vitest"
import { IndexLayout } from "@effect-uds/volume"
import { Effect, Either, Option } from "effect"
import { withoutStaleGap } from "../support/indexPages.js"
import { currentSaveSlot, readIndexTiny, saveSlots, slotRegion } from "../support/indexTiny.js"
import { skipReason, vectorsPresent } from "../support/vectors.js"
import { dataOf, deviceBytes, hex, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

// index-tiny: the tiny preset, one zone, one read thread; 100,000 seed-1 names posted, then closed.
const POSTED = 100_000
const config = tinyConfig({ zones: 1 })

/** The reference's bytes on a full-size device (index.bin is trimmed after its last non-zero block). */
const referenceDevice = (bytes: Uint8Array): Uint8Array => {
  const device = deviceBytes(config)
  device.set(bytes)
  return device
}

/** A volume index zone stream, parsed into what must match (volume-index.md §6; dense: one sub-index). */
const parseZoneStream = (stream: Uint8Array) => {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
  const listCount = view.getUint32(36, true)
  const header = hex(stream.subarray(0, 40))
  const flushChapters = hex(stream.subarray(40, 40 + 8 * listCount))
  const deltaAt = 40 + 8 * listCount
  const deltaHeader = hex(stream.subarray(deltaAt, deltaAt + 40))
  const sizesAt = deltaAt + 40
  const sizes = Array.from({ length: listCount }, (_, i) => view.getUint16(sizesAt + 2 * i, true))
  const lists: Array<string> = []
  let at = sizesAt + 2 * listCount
  for (;;) {
    const tag = stream[at]!
    if (tag === "z".charCodeAt(0)) break
    const bitOffset = stream[at + 1]!
    const byteCount = view.getUint16(at + 2, true)
    const list = view.getUint32(at + 4, true)
    const bits: Array<number> = []
    for (let b = 0; b < sizes[list]!; b++) {
      const bit = bitOffset + b
      bits.push((stream[at + 8 + (bit >> 3)]! >> (bit & 7)) & 1)
    }
    lists.push(`${list}:${bits.join("")}`)
    at += 8 + byteCount
  }
  return { header, flushChapters, deltaHeader, sizes, lists }
}

describe.skipIf(!vectorsPresent)(`the whole index against index-tiny${vectorsPresent ? "" : ` (skipped: ${skipReason})`}`, () => {
  it.effect("reads the reference: loadNoRebuild of a copy finds all 20 samples with their data, chapters 0 .. 3", () =>
    Effect.gen(function*() {
      const { bytes: reference, meta } = readIndexTiny()
      const copy = referenceDevice(reference)
      yield* withIndex(config, copy, { open: "loadNoRebuild" }, (index) =>
        Effect.gen(function*() {
          assert.strictEqual(index.opened, "loaded")
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 3 })
          assert.strictEqual(meta.samples.length, 20)
          for (const sample of meta.samples) {
            const result = yield* index.queryNoUpdate(Buffer.from(sample.name, "hex"))
            assert.isTrue(result.found, `sample ${sample.k}`)
            assert.strictEqual(Option.isSome(result.oldData) ? hex(result.oldData.value) : "none", sample.metadata)
            const chapter = Math.floor(sample.k / 32768)
            assert.strictEqual(result.location, chapter === 3 ? "openChapter" : "dense", `sample ${sample.k}`)
          }
          const stats = yield* index.stats
          assert.deepStrictEqual([stats.entriesIndexed, stats.collisions, stats.queriesFound], [100000, 10, 20])
        }))
      // The vector itself was never written: only the copy.
      assert.isTrue(Buffer.from(readIndexTiny().bytes).equals(Buffer.from(reference)))
    }), 120_000)

  it.effect("every one of the 100,000 names loads from the reference's save, in 1 and in 3 zones", () =>
    Effect.gen(function*() {
      const { bytes: reference } = readIndexTiny()
      const names = seedNames(POSTED)
      for (const zones of [1, 3]) {
        yield* withIndex(tinyConfig({ zones }), referenceDevice(reference), { open: "loadNoRebuild" }, (index) =>
          Effect.gen(function*() {
            for (let k = 0; k < POSTED; k += 7) {
              const result = yield* index.queryNoUpdate(nameAt(names, k))
              if (!result.found || Option.getOrThrow(result.oldData)[0] !== (k & 0xff)) {
                assert.fail(`${zones} zones: name ${k} found ${result.found}`)
              }
            }
          }))
      }
    }), 120_000)

  it.effect("writes what the reference writes: 100,000 POSTs into an index made with its nonce info", () =>
    Effect.gen(function*() {
      const { bytes: reference } = readIndexTiny()
      const layout = Either.getOrThrow(IndexLayout.parse(reference))
      const geometry = layout.geometry
      const names = seedNames(POSTED)
      const ours = deviceBytes(config)
      yield* withIndex(config, ours, { open: "create", nonceInfo: reference.slice(224, 256) }, (index) =>
        Effect.gen(function*() {
          for (let k = 0; k < POSTED; k++) {
            const result = yield* index.post(nameAt(names, k), dataOf(k))
            if (result.found) assert.fail(`name ${k} was found`)
          }
          const stats = yield* index.stats
          assert.deepStrictEqual(
            [stats.entriesIndexed, stats.postsNotFound, stats.postsFound, stats.entriesDiscarded],
            [100000, 100000, 0, 0]
          )
          assert.deepStrictEqual(yield* index.chapters, { oldest: 0, newest: 3 })
        }))
      // The super block and configuration.
      assert.strictEqual(hex(ours.subarray(0, 8192)), hex(reference.subarray(0, 8192)))
      // The volume: header page, then every page of the 4 physical chapters.
      const volumeAt = layout.volumeOffset
      const pageBytes = geometry.bytesPerPage
      for (let page = 0; page < geometry.pagesPerVolume + 1; page++) {
        const start = volumeAt + page * pageBytes
        const mine = ours.subarray(start, start + pageBytes)
        const theirs = referenceDevice(reference).subarray(start, start + pageBytes)
        const inChapter = (page - 1) % geometry.pagesPerChapter
        const isIndexPage = page > 0 && inChapter < geometry.indexPagesPerChapter && theirs.some((b) => b !== 0)
        const same = isIndexPage
          ? Buffer.from(withoutStaleGap(mine)).equals(Buffer.from(withoutStaleGap(theirs)))
          : Buffer.from(mine).equals(Buffer.from(theirs))
        if (!same) assert.fail(`volume page ${page} differs`)
      }
      // Slot 0 holds our save: the page map and the open chapter as the reference's current slot.
      const theirSlot = currentSaveSlot(reference)
      const ourSlot = saveSlots(ours)[0]!
      assert.strictEqual(ourSlot.type, 2, "slot 0 is a SAVE")
      const region = (bytes: Uint8Array, slot: typeof theirSlot, kind: number, instance?: number) =>
        hex(slotRegion(bytes, slot, kind, instance))
      const { IndexPageMap: pageMapKind, OpenChapter, VolumeIndex } = IndexLayout.RegionKind
      const device = referenceDevice(reference)
      assert.strictEqual(region(ours, ourSlot, pageMapKind), region(device, theirSlot, pageMapKind))
      assert.strictEqual(region(ours, ourSlot, OpenChapter), region(device, theirSlot, OpenChapter))
      const mine = parseZoneStream(slotRegion(ours, ourSlot, VolumeIndex, 0))
      const theirs = parseZoneStream(slotRegion(device, theirSlot, VolumeIndex, 0))
      assert.strictEqual(mine.header, theirs.header)
      assert.strictEqual(mine.flushChapters, theirs.flushChapters)
      assert.strictEqual(mine.deltaHeader, theirs.deltaHeader)
      assert.deepStrictEqual(mine.sizes, theirs.sizes)
      assert.strictEqual(mine.lists.length, 512)
      assert.deepStrictEqual(mine.lists, theirs.lists)
      // The slot's state: newest 3, oldest 0, last save 2 (payload after a 4-entry table).
      const header = new DataView(ours.buffer, ourSlot.regions[0]!.byteOffset + 24 + 4 * 24, 64)
      assert.deepStrictEqual([header.getBigUint64(32, true), header.getBigUint64(40, true), header.getBigUint64(48, true)], [
        3n,
        0n,
        2n
      ])
    }), 300_000)
})
