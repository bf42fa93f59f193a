import { assert, describe, it } from "@effect/vitest"
import { VolumeIndex } from "@effect-uds/index"
import { Geometry, IndexLayout } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Effect, Either } from "effect"
import { currentSaveSlot, readIndexTiny, slotRegion } from "../support/indexTiny.js"
import { skipReason, vectorsPresent } from "../support/vectors.js"

// index-tiny: 100,000 names of seed 1 posted into a tiny index (32,768 records per chapter), saved in slot 1.
const POSTED = 100_000
const RECORDS_PER_CHAPTER = 32_768
const STREAM_BYTES = 213_110

const tiny = Effect.runSync(Geometry.fromMemorySize("tiny"))

const setup = () => {
  const { bytes, meta } = readIndexTiny()
  const stream = slotRegion(bytes, currentSaveSlot(bytes), IndexLayout.RegionKind.VolumeIndex, 0)
  return { stream, nonce: BigInt(meta.volume_nonce) }
}

const postedNames = (): Uint8Array => {
  const names = new Uint8Array(POSTED * 16)
  const stream = RecordGenerator.splitMix64(1)
  for (let k = 0; k < POSTED; k++) RecordGenerator.nextName(stream, names, k * 16)
  return names
}

const loaded = (streams: ReadonlyArray<Uint8Array>, nonce: bigint, zoneCount = 1) => {
  const result = VolumeIndex.load(tiny, streams, { nonce, zoneCount })
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

// Every posted name k is found in chapter k div 32768; returns how many were exact (collision entries).
const checkPosted = (index: VolumeIndex.VolumeIndex, names: Uint8Array): number => {
  const record = VolumeIndex.makeRecord()
  let exact = 0
  const wrong: Array<string> = []
  for (let k = 0; k < POSTED; k++) {
    const status = VolumeIndex.get(index, names.subarray(k * 16, k * 16 + 16), record)
    if (status !== VolumeIndex.Status.Ok || !record.found || record.virtualChapter !== Math.floor(k / RECORDS_PER_CHAPTER)) {
      wrong.push(`name ${k}: status ${status}, found ${record.found}, chapter ${record.virtualChapter}`)
    }
    if (record.collision) exact++
  }
  assert.deepStrictEqual(wrong.slice(0, 5), [])
  return exact
}

describe.skipIf(!vectorsPresent)(`volume index of index-tiny${vectorsPresent ? "" : ` (skipped: ${skipReason})`}`, () => {
  it("loads the current slot's stream: 100,000 entries, 10 collisions, chapters 0..3", () => {
    const { nonce, stream } = setup()
    const index = loaded([stream], nonce)
    const stats = VolumeIndex.stats(index)
    assert.deepStrictEqual([stats.entries, stats.collisions, stats.discarded], [POSTED, 10, 0])
    assert.deepStrictEqual(VolumeIndex.window(index, 0), { low: 0, high: 3 })
    assert.strictEqual(stats.usedBits, 1_626_841)
  })

  it("every posted name resolves to chapter k div 32768, 10 of them through a collision entry", () => {
    const { nonce, stream } = setup()
    assert.strictEqual(checkPosted(loaded([stream], nonce), postedNames()), 10)
  })

  it("a fresh name is not found, or found only as a hint (an ordinary entry)", () => {
    const { nonce, stream } = setup()
    const index = loaded([stream], nonce)
    const record = VolumeIndex.makeRecord()
    const fresh = RecordGenerator.splitMix64(2)
    const name = new Uint8Array(16)
    let hints = 0
    for (let i = 0; i < 20_000; i++) {
      RecordGenerator.nextName(fresh, name)
      assert.strictEqual(VolumeIndex.get(index, name, record), VolumeIndex.Status.Ok)
      if (record.found) {
        assert.isFalse(record.collision)
        hints++
      }
    }
    // About 100,000 / 2^29 slots per name: a hint is rare.
    assert.isBelow(hints, 10)
  })

  it("saving right after the load reproduces the slot's stream byte for byte", () => {
    const { nonce, stream } = setup()
    const [saved, ...rest] = VolumeIndex.save(loaded([stream], nonce), nonce)
    assert.strictEqual(rest.length, 0)
    assert.strictEqual(saved!.length, STREAM_BYTES)
    assert.deepStrictEqual(saved, stream.subarray(0, STREAM_BYTES))
  })

  it("a wrong nonce is CorruptData", () => {
    const { nonce, stream } = setup()
    const result = VolumeIndex.load(tiny, [stream], { nonce: nonce + 1n })
    assert.isTrue(Either.isLeft(result) && result.left._tag === "CorruptData")
  })

  it("loads into 2 and 3 zones with the same answers, and back into 1 zone with the same stream", () => {
    const { nonce, stream } = setup()
    const names = postedNames()
    for (const zoneCount of [2, 3]) {
      const index = loaded([stream], nonce, zoneCount)
      assert.strictEqual(checkPosted(index, names), 10)
      const streams = VolumeIndex.save(index, nonce)
      assert.strictEqual(streams.length, zoneCount)
      const record = VolumeIndex.makeRecord()
      const name = names.subarray(3978 * 16, 3979 * 16)
      VolumeIndex.get(index, name, record)
      assert.strictEqual(record.zone, zoneCount === 3 ? 2 : 1, "the worked example's list 509")
      const again = VolumeIndex.save(loaded(streams, nonce, 1), nonce)
      assert.deepStrictEqual(again[0], stream.subarray(0, STREAM_BYTES))
    }
  })
})
