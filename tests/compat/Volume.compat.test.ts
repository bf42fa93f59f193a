import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { withoutStaleGap } from "../support/indexPages.js"
import { geometryOf, readMeta, readVectorFile, skipReason, vectorsPresent, volumeVectorNames } from "../support/vectors.js"
import { absentName, chapterRecords, recordAt, writeChapters } from "../support/volumes.js"

// Every record of every chapter still on the volume is found with its data; absent names are not.
const checkLookups = (geometry: Geometry.Geometry, vcns: ReadonlyArray<number | null>) =>
  Effect.gen(function*() {
    const volume = yield* Volume.Volume
    for (const vcn of vcns) {
      if (vcn === null) continue
      const records = chapterRecords(geometry, vcn)
      for (let i = 0; i < geometry.recordsPerChapter; i++) {
        const { data, name } = recordAt(records, i)
        const found = yield* volume.lookup(name, vcn)
        if (Option.isNone(found)) assert.fail(`record ${i} of chapter ${vcn} not found`)
        else if (!Buffer.from(found.value).equals(data)) assert.fail(`record ${i} of chapter ${vcn} has wrong data`)
      }
      for (let i = 0; i < 50; i++) assert.isTrue(Option.isNone(yield* volume.lookup(absentName(i), vcn)))
    }
  })

describe.skipIf(!vectorsPresent)(`Volume over the golden volumes (${vectorsPresent ? "present" : skipReason})`, () => {
  for (const name of volumeVectorNames) {
    const meta = readMeta(name)
    const geometry = geometryOf(meta)
    const nonce = BigInt(meta.volume_nonce)
    const expected = meta.find_volume_chapter_boundaries

    it.scoped(`${name}: on a memory device, boundaries match and every record is found`, () =>
      Effect.gen(function*() {
        const volume = Volume.layer({ geometry, nonce }).pipe(
          Layer.provide(BlockDevice.layerMemory({ bytes: readVectorFile(name, "volume.bin") }))
        )
        const boundaries = yield* Effect.provide(Effect.flatMap(Volume.Volume, (v) => v.findChapterBoundaries), volume)
        assert.deepStrictEqual(boundaries, { lowest: expected.lowest, highest: expected.highest, isEmpty: expected.is_empty })
        yield* checkLookups(geometry, meta.physical_chapter_vcn).pipe(Effect.provide(volume))
      }))

    it.scoped(`${name}: on a file device, boundaries match and every record is found`, () =>
      Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-compat-"))),
          (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
        )
        // A copy: the vectors stay untouched.
        const file = path.join(dir, "volume.bin")
        fs.writeFileSync(file, readVectorFile(name, "volume.bin"))
        const volume = Volume.layer({ geometry, nonce, cacheChapters: 2 }).pipe(Layer.provide(BlockDevice.layerFile(file)))
        const boundaries = yield* Effect.provide(Effect.flatMap(Volume.Volume, (v) => v.findChapterBoundaries), volume)
        assert.deepStrictEqual(boundaries, { lowest: expected.lowest, highest: expected.highest, isEmpty: expected.is_empty })
        yield* checkLookups(geometry, meta.physical_chapter_vcn).pipe(Effect.provide(volume))
      }))

    it.scoped(`${name}: writing the same chapters reproduces volume.bin byte for byte`, () =>
      Effect.gen(function*() {
        const bytes = new Uint8Array(geometry.bytesPerVolume)
        const written = meta.virtual_chapters_written
        yield* writeChapters(geometry, written.first, written.last).pipe(
          Effect.provide(Volume.layer({ geometry, nonce }).pipe(Layer.provide(BlockDevice.layerMemory({ bytes }))))
        )
        const reference = readVectorFile(name, "volume.bin")
        assert.strictEqual(bytes.length, reference.length)
        const { bytesPerPage, indexPagesPerChapter, pagesPerChapter, pagesPerVolume } = geometry
        for (let page = 0; page <= pagesPerVolume; page++) {
          const ours = bytes.subarray(page * bytesPerPage, (page + 1) * bytesPerPage)
          const theirs = reference.subarray(page * bytesPerPage, (page + 1) * bytesPerPage)
          const isIndexPage = page > 0 && (page - 1) % pagesPerChapter < indexPagesPerChapter &&
            meta.physical_chapter_vcn[Math.floor((page - 1) / pagesPerChapter)] !== null
          const same = isIndexPage
            ? Buffer.from(ours).equals(Buffer.from(withoutStaleGap(theirs)))
            : Buffer.from(ours).equals(Buffer.from(theirs))
          if (!same) assert.fail(`physical page ${page} differs from the reference`)
        }
      }))
  }
})
