// writeChapter's `indexed` mask: records marked 0 (collation's fill copies) go on their
// record pages but not into the chapter index, as the reference leaves them out.
import { assert, describe, it } from "@effect/vitest"
import { ChapterIndex, Volume } from "@effect-uds/volume"
import { Effect, Exit, Option } from "effect"
import { chapterRecords, memoryVolume, NONCE, recordAt, smallGeometry } from "../support/volumes.js"

const geometry = smallGeometry
const count = geometry.recordsPerChapter

// A chapter whose every fourth record is a copy of record 0, marked not indexed.
const filledChapter = () => {
  const records = chapterRecords(geometry, 0).slice()
  const indexed = new Uint8Array(count).fill(1)
  for (let i = 3; i < count; i += 4) {
    records.copyWithin(i * 32, 0, 32)
    indexed[i] = 0
  }
  return { records, indexed }
}

describe("Volume.writeChapter with an indexed mask", () => {
  it("leaves masked fill copies out of the chapter index", () => {
    const { indexed, records } = filledChapter()
    const masked = ChapterIndex.packChapter(geometry, NONCE, 0, records, count, indexed)
    const unmasked = ChapterIndex.packChapter(geometry, NONCE, 0, records, count)
    // Unmasked, the copies of record 0 are indexed again: every copy past the
    // first collision is refused as a duplicate. Masked, none is.
    assert.strictEqual(masked.duplicates, 0)
    assert.isAbove(unmasked.duplicates, 0)
    assert.notDeepEqual(masked.pages[0], unmasked.pages[0])
  })

  it.scoped("finds every real record with its data; names only at masked positions are not found", () =>
    Effect.gen(function*() {
      const { indexed, records } = filledChapter()
      const original = chapterRecords(geometry, 0)
      const volume = yield* Volume.Volume
      yield* volume.writeChapter(0, records, indexed)
      for (let i = 0; i < count; i++) {
        const found = yield* volume.lookup(recordAt(original, i).name, 0)
        if (indexed[i] === 1) {
          assert.isTrue(Option.isSome(found), `record ${i}`)
          assert.deepStrictEqual(Option.getOrThrow(found), recordAt(records, i).data)
        } else {
          // The original record i was overwritten by a fill copy: it is nowhere in the chapter.
          assert.isTrue(Option.isNone(found), `record ${i}`)
        }
      }
    }).pipe(Effect.provide(memoryVolume(geometry, new Uint8Array(geometry.bytesPerVolume)))))

  it.scoped("refuses a mask that is not one byte per record", () =>
    Effect.gen(function*() {
      const { records } = filledChapter()
      const volume = yield* Volume.Volume
      const exit = yield* Effect.exit(volume.writeChapter(0, records, new Uint8Array(count - 1)))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "one byte per record")
    }).pipe(Effect.provide(memoryVolume(geometry, new Uint8Array(geometry.bytesPerVolume)))))
})
