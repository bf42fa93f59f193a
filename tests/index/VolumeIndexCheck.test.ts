import { assert, describe, it } from "@effect/vitest"
import { VolumeIndex } from "@effect-uds/index"
import { Geometry } from "@effect-uds/volume"
import { Effect, Either } from "effect"

const geometry = Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 1, chaptersPerVolume: 4 }))

const name = (i: number) => {
  const bytes = new Uint8Array(16)
  new DataView(bytes.buffer).setUint32(0, Math.imul(i + 1, 2654435761) >>> 0)
  new DataView(bytes.buffer).setUint32(4, Math.imul(i + 7, 0x9e3779b1) >>> 0)
  return bytes
}

describe("VolumeIndex.checkEntries", () => {
  it("counts every entry, the expired ones apart, and finds none past the newest chapter", () => {
    const index = Either.getOrThrow(VolumeIndex.make(geometry))
    const record = VolumeIndex.makeRecord()
    let puts = 0
    for (let chapter = 0; chapter < 6; chapter++) {
      Either.getOrThrow(VolumeIndex.setOpenChapter(index, chapter))
      for (let i = chapter * 20; i < chapter * 20 + 20; i++) {
        assert.strictEqual(VolumeIndex.get(index, name(i), record), VolumeIndex.Status.Ok)
        if (VolumeIndex.put(index, record, chapter) === VolumeIndex.Status.Ok) puts++
      }
    }
    const check = VolumeIndex.checkEntries(index)
    assert.strictEqual(check.aboveHigh, 0)
    assert.strictEqual(check.undecodableList, undefined)
    // Chapters 0 and 1 left the 4-chapter window; lists no get touched since still hold some of them.
    assert.strictEqual(check.entries, VolumeIndex.stats(index).entries)
    assert.isAbove(check.expired, 0)
    assert.isAtMost(check.entries - check.expired, 4 * 20)
    assert.isAtLeast(puts, 100)
  })
})
