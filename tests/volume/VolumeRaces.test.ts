// Races between lookups, forgets and rewrites of the same physical chapter,
// with the same names in both chapters (dedup data repeats names).
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Either, Fiber, Layer, Option } from "effect"
import { BlockDevice, Volume } from "@effect-uds/volume"
import { openFaultyVolume, pageBytes } from "../support/faults.js"
import { chapterRecords, NONCE, recordAt, smallGeometry } from "../support/volumes.js"
import { sameNamesOtherData } from "./rewrites.js"

/**
 * A user's device over `bytes` whose writes land `landAfter.ms` after they
 * start, reading the data when they land (as the OS does from the caller's
 * buffer), and which cannot be cancelled: interrupting a write does not stop it.
 */
const lateWriteDevice = (bytes: Uint8Array, landAfter: { ms: number }) => {
  const device: BlockDevice.Service = {
    size: bytes.length,
    read: (offset, length) => Effect.sync(() => bytes.slice(offset, offset + length)),
    write: (offset, data) =>
      Effect.async<void>((resume) => {
        setTimeout(() => {
          bytes.set(data, offset)
          resume(Effect.void)
        }, landAfter.ms)
      }),
    flush: Effect.void
  }
  return Layer.succeed(BlockDevice.BlockDevice, device)
}

describe("Volume races", () => {
  it.scoped("a lookup waiting across a forget and rewrite of its chapter does not answer with the new chapter's data", () =>
    Effect.gen(function*() {
      const geometry = smallGeometry
      const { faults, volume } = yield* openFaultyVolume(geometry, new Uint8Array(geometry.bytesPerVolume))
      const first = chapterRecords(geometry, 0)
      yield* volume.writeChapter(0, first)
      // Cold cache: the lookup reads (and holds) the index page itself.
      yield* volume.forgetChapter(0)
      // Chapter 16 lands in the same physical chapter with the same names and other data.
      const rewrite = sameNamesOtherData(first)
      const recordPages = {
        start: pageBytes(geometry, 0, geometry.indexPagesPerChapter).start,
        end: pageBytes(geometry, 0, geometry.pagesPerChapter - 1).end
      }
      yield* faults.hang({ operation: "read", when: BlockDevice.overlaps(recordPages.start, recordPages.end) })
      const { name } = recordAt(first, 200)
      const waiting = yield* Effect.fork(volume.lookup(name, 0))
      while ((yield* faults.hanging) === 0) yield* Effect.yieldNow()
      yield* volume.forgetChapter(0)
      yield* volume.writeChapter(16, rewrite)
      yield* faults.release
      const answer = yield* Fiber.join(waiting)
      assert.isTrue(Option.isNone(answer), "chapter 0 is gone: its names are not found")
      // The new chapter answers with its own data.
      const found = yield* volume.lookup(name, 16)
      assert.deepStrictEqual(Option.getOrThrow(found), recordAt(rewrite, 200).data.slice())
    }))

  it.live("a chapter write timed out while the device still writes lands before the next write of that chapter", () =>
    Effect.scoped(Effect.gen(function*() {
      const geometry = smallGeometry
      const bytes = new Uint8Array(geometry.bytesPerVolume)
      const landAfter = { ms: 150 }
      const context = yield* Layer.build(
        Volume.layer({ geometry, nonce: NONCE }).pipe(Layer.provide(lateWriteDevice(bytes, landAfter)))
      )
      const volume = Context.get(context, Volume.Volume)
      const first = chapterRecords(geometry, 0)
      const second = chapterRecords(geometry, 1)
      const timedOut = yield* Effect.either(Effect.timeout(volume.writeChapter(0, first), "20 millis"))
      assert.isTrue(Either.isLeft(timedOut) && timedOut.left._tag === "TimeoutException")
      landAfter.ms = 0
      // Writing a chapter again takes forgetting it first.
      yield* volume.forgetChapter(0)
      yield* volume.writeChapter(0, second)
      // Long enough for the first write to land, had it not landed already.
      yield* Effect.sleep("200 millis")
      const { data, name } = recordAt(second, 300)
      assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, 0)), data.slice())
      // What the device holds is the second write too.
      yield* volume.forgetChapter(0)
      assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, 0)), data.slice())
      assert.isTrue(Option.isNone(yield* volume.lookup(recordAt(first, 300).name, 0)))
    })))
})
