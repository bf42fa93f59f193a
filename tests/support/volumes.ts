// Small geometries and helpers for volume tests: volumes over memory, generated chapters.
import { Context, Effect, Layer } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"

export const NONCE = 0xa1b2c3d4e5f60718n

/** 128 records a page, 8 record pages, 16 chapters: one index page per chapter. */
export const smallGeometry = Effect.runSync(
  Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 8, chaptersPerVolume: 16 })
)

/** 64 record pages a chapter: seven index pages per chapter, so the page map matters. */
export const multiIndexGeometry = Effect.runSync(
  Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 64, chaptersPerVolume: 8 })
)

const generated = new Map<string, Uint8Array>()

/** The records of virtual chapter `chapter` of the seed-1 generator run (memoised: treat as read-only). */
export const chapterRecords = (geometry: Geometry.Geometry, chapter: number, seed = 1): Uint8Array => {
  const key = `${geometry.recordsPerChapter}/${seed}/${chapter}`
  let records = generated.get(key)
  if (records === undefined) {
    records = RecordGenerator.chapters(geometry, seed, chapter, chapter)[0]!
    generated.set(key, records)
  }
  return records
}

/** Record `i` (name, data) of a packed chapter. */
export const recordAt = (records: Uint8Array, i: number) => ({
  name: records.subarray(i * 32, i * 32 + 16),
  data: records.subarray(i * 32 + 16, i * 32 + 32)
})

/** A name no generator run produces (first byte pattern chosen apart from the stream). */
export const absentName = (i: number): Uint8Array => {
  const name = new Uint8Array(16)
  new DataView(name.buffer).setUint32(0, 0xdead0000 + i)
  new DataView(name.buffer).setUint32(8, i * 2654435761 >>> 0)
  return name
}

/** A volume over a memory device holding `bytes` (shared, so tests can reopen it). */
export const memoryVolume = (
  geometry: Geometry.Geometry,
  bytes: Uint8Array,
  options: { readonly cacheChapters?: number; readonly readThreads?: number } = {}
) => Volume.layer({ geometry, nonce: NONCE, ...options }).pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))

/** Writes virtual chapters first..last (generator records), forgetting each chapter before it is overwritten. */
export const writeChapters = (geometry: Geometry.Geometry, first: number, last: number) =>
  Effect.gen(function*() {
    const volume = yield* Volume.Volume
    for (let chapter = first; chapter <= last; chapter++) {
      if (chapter >= geometry.chaptersPerVolume) yield* volume.forgetChapter(chapter - geometry.chaptersPerVolume)
      yield* volume.writeChapter(chapter, chapterRecords(geometry, chapter))
    }
  })

/** The volume of `memoryVolume`, built in the current scope (it lives until the scope closes). */
export const openMemoryVolume = (
  geometry: Geometry.Geometry,
  bytes: Uint8Array,
  options: { readonly cacheChapters?: number; readonly readThreads?: number } = {}
) => Effect.map(Layer.build(memoryVolume(geometry, bytes, options)), (context) => Context.get(context, Volume.Volume))
