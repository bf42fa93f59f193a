// A volume over a file device with syncReads reads on the calling thread:
// lookups that miss the cache complete without an event loop turn. They must
// still let the rest of the process run (issue 14, item 2): here a chapter
// writer beside 8 lookup fibers that never wait.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer } from "effect"
import { BlockDevice, Volume } from "@effect-uds/volume"
import { chapterRecords, NONCE, recordAt, smallGeometry, writeChapters } from "../support/volumes.js"

const geometry = smallGeometry
const CHAPTERS_WANTED = 3
// Generous: with the fix the writer needs well under a second.
const GIVE_UP_MS = 15_000

const tempFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-syncreads-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "volume.bin")))

describe("Volume with syncReads", () => {
  for (const syncWrites of [false, true]) {
    it.scopedLive(`a chapter writer completes chapters beside 8 lookup fibers${syncWrites ? " (syncWrites too)" : ""}`, () =>
      Effect.gen(function*() {
        const file = yield* tempFile
        const context = yield* Layer.build(
          Volume.layer({ geometry, nonce: NONCE, cacheChapters: 1 }).pipe(
            Layer.provide(BlockDevice.layerFile(file, {
              create: true,
              size: geometry.bytesPerVolume,
              syncReads: true,
              syncWrites
            }))
          )
        )
        const volume = Context.get(context, Volume.Volume)
        yield* writeChapters(geometry, 0, geometry.chaptersPerVolume - 1).pipe(Effect.provideService(Volume.Volume, volume))
        let written = 0
        const writer = yield* Effect.fork(Effect.gen(function*() {
          for (let chapter = geometry.chaptersPerVolume; written < CHAPTERS_WANTED; chapter++) {
            yield* volume.forgetChapter(chapter - geometry.chaptersPerVolume)
            yield* volume.writeChapter(chapter, chapterRecords(geometry, 0, 2 + chapter))
            written++
          }
        }))
        const start = performance.now()
        let lookups = 0
        // Lookups that never wait for I/O: every miss is read synchronously.
        const looker = (fiber: number) =>
          Effect.gen(function*() {
            for (let i = 0; written < CHAPTERS_WANTED && performance.now() - start < GIVE_UP_MS; i++) {
              const chapter = (fiber + i) % geometry.chaptersPerVolume
              yield* volume.lookup(recordAt(chapterRecords(geometry, chapter), (i * 131) % geometry.recordsPerChapter).name, chapter)
              lookups++
            }
          })
        yield* Effect.forEach(Array.from({ length: 8 }, (_, fiber) => fiber), looker, {
          concurrency: "unbounded",
          discard: true
        })
        const completed = written
        yield* Fiber.interrupt(writer)
        assert.isAtLeast(completed, CHAPTERS_WANTED, `chapters written while ${lookups} lookups ran`)
        assert.isAbove(lookups, 0)
      }))
  }
})
