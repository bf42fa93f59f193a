// The boundary search's probe on a file device reads index pages into one
// buffer and checks them in place (volume.md §11.1), caching nothing; over a
// memory device it reads through the queue and decodes. Both must find the
// same chapters good and bad.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { writeBitsAt } from "../../packages/volume/src/internal/format/bitStream.js"
import { checkIndexPage, checkIndexPageHeader, IndexPageHeader } from "../../packages/volume/src/internal/format/indexPageCheck.js"
import { multiIndexGeometry, NONCE, openMemoryVolume, smallGeometry, writeChapters } from "../support/volumes.js"

const tempFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-probe-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "volume.bin")))

/**
 * A volume over a file holding `bytes`, on the file device's default
 * (adaptive) reads, or always reading synchronously.
 */
const openFileVolume = (geometry: Geometry.Geometry, bytes: Uint8Array, syncReads = false) =>
  Effect.gen(function*() {
    const file = yield* tempFile
    fs.writeFileSync(file, bytes)
    const device = BlockDevice.layerFile(file, syncReads ? { syncReads } : {})
    const context = yield* Layer.build(Volume.layer({ geometry, nonce: NONCE }).pipe(Layer.provide(device)))
    return Context.get(context, Volume.Volume)
  })

/** Virtual chapters 0 .. last written to a fresh volume image. */
const imageOf = (geometry: Geometry.Geometry, last: number) =>
  Effect.gen(function*() {
    const bytes = new Uint8Array(geometry.bytesPerVolume)
    yield* Effect.scoped(Effect.flatMap(openMemoryVolume(geometry, bytes), (volume) =>
      writeChapters(geometry, 0, last).pipe(Effect.provideService(Volume.Volume, volume))))
    return bytes
  })

/** The bytes of index page k of a physical chapter, in the image. */
const indexPage = (geometry: Geometry.Geometry, bytes: Uint8Array, physicalChapter: number, k: number) => {
  const at = Geometry.physicalPage(geometry, physicalChapter, k) * geometry.bytesPerPage
  return bytes.subarray(at, at + geometry.bytesPerPage)
}

/** Both volumes' boundaries over the image: the file device's (probe checks in place) and the memory device's. */
const boundariesOf = (geometry: Geometry.Geometry, bytes: Uint8Array, syncReads = false) =>
  Effect.gen(function*() {
    const onFile = yield* openFileVolume(geometry, bytes, syncReads)
    const inMemory = yield* openMemoryVolume(geometry, bytes.slice())
    return { file: yield* onFile.findChapterBoundaries, memory: yield* inMemory.findChapterBoundaries, onFile }
  })

for (const [name, geometry] of [["one index page", smallGeometry], ["seven index pages", multiIndexGeometry]] as const) {
  const chapters = geometry.chaptersPerVolume
  const newest = chapters + 2
  const newestPhysical = newest % chapters

  describe(`the boundary search's probe (${name} a chapter)`, () => {
    it.scoped("finds a wrapped volume's chapters on a file without caching the pages it probed", () =>
      Effect.gen(function*() {
        const bytes = yield* imageOf(geometry, newest)
        // Reads that stay synchronous however slow the machine: the adaptive
        // reads may go through the queue after a slow read, and cache.
        const { file, memory, onFile } = yield* boundariesOf(geometry, bytes, true)
        assert.deepStrictEqual(file, { lowest: 3, highest: newest, isEmpty: false })
        assert.deepStrictEqual(memory, file)
        const stats = yield* onFile.stats
        assert.strictEqual(stats.cachedPages, 0)
        assert.strictEqual(stats.readsQueued, 0)
        // The probes read pages, past the queue (a probe that waited for the
        // event loop reads its chapter's pages again, so no exact count).
        assert.isAtLeast(stats.pagesRead, geometry.indexPagesPerChapter)
      }))

    it.scoped("takes a chapter whose index page passes the header checks but not the list walk for bad", () =>
      Effect.gen(function*() {
        const bytes = yield* imageOf(geometry, newest)
        const page = indexPage(geometry, bytes, newestPhysical, geometry.indexPagesPerChapter - 1)
        const header = new IndexPageHeader()
        assert.isUndefined(checkIndexPage(geometry, NONCE, page, header))
        // The last list ends a bit earlier: the offsets still grow, but the
        // list's last entry now runs past its end.
        writeBitsAt(page, 0, 160 + 19 * header.listCount, header.lastBit - 1, 19)
        assert.isUndefined(checkIndexPageHeader(geometry, NONCE, page, header))
        assert.isDefined(checkIndexPage(geometry, NONCE, page, header))
        const { file, memory } = yield* boundariesOf(geometry, bytes)
        assert.deepStrictEqual(file, { lowest: 3, highest: newest - 1, isEmpty: false })
        assert.deepStrictEqual(memory, file)
      }))

    it.scoped("takes a chapter whose index pages hold two virtual chapters (a torn write) for bad", () =>
      Effect.gen(function*() {
        const bytes = yield* imageOf(geometry, newest)
        const k = geometry.indexPagesPerChapter - 1
        // The newest chapter's last index page as the chapter before it held it.
        indexPage(geometry, bytes, newestPhysical, k).set(indexPage(geometry, bytes, (newest - 1) % chapters, k))
        // With one index page the chapter is then whole but out of phase.
        const { file, memory } = yield* boundariesOf(geometry, bytes)
        assert.deepStrictEqual(file, { lowest: 3, highest: newest - 1, isEmpty: false })
        assert.deepStrictEqual(memory, file)
      }))
  })
}

describe("the boundary search's probe", () => {
  it.scoped("finds a volume never written empty, on a file as in memory", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(smallGeometry.bytesPerVolume)
      const { file, memory } = yield* boundariesOf(smallGeometry, bytes)
      assert.deepStrictEqual(file, { lowest: 0, highest: 0, isEmpty: true })
      assert.deepStrictEqual(memory, file)
    }))
})
