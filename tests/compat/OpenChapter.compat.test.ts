import { assert, describe, it } from "@effect/vitest"
import { Geometry, IndexLayout, RecordPage } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Either } from "effect"
import { CorruptData } from "../../packages/index/src/IndexError.js"
import { collate } from "../../packages/index/src/internal/openChapter/collate.js"
import * as Saved from "../../packages/index/src/internal/openChapter/savedFormat.js"
import { homeSlot, makeZones, type OpenChapterZone } from "../../packages/index/src/internal/openChapter/zone.js"
import { currentSaveSlot, readIndexTiny, saveSlots, slotRegion } from "../support/indexTiny.js"
import { skipReason, vectorsPresent } from "../support/vectors.js"

// index-tiny: 32 record pages of 1024, so 32768 records per chapter; chapters
// 0, 1, 2 were closed, and the 1696 records k = 98,304 … 99,999 are open.
const RECORDS_PER_CHAPTER = 32768
const FIRST_OPEN = 98_304
const OPEN_COUNT = 1696

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** The seed-1 records k = first … first + count − 1: name, and data le64(k) ‖ le64(0). */
const postedRecords = (first: number, count: number): Array<{ name: Uint8Array; data: Uint8Array }> => {
  const stream = RecordGenerator.splitMix64(1)
  for (let skip = 0; skip < 2 * first; skip++) stream.next()
  return Array.from({ length: count }, (_, i) => {
    const name = new Uint8Array(16)
    RecordGenerator.nextName(stream, name)
    const data = new Uint8Array(16)
    new DataView(data.buffer).setBigUint64(0, BigInt(first + i), true)
    return { name, data }
  })
}

const mustLoad = (result: ReturnType<typeof Saved.load>) => {
  if (result instanceof CorruptData) throw new Error(`unexpected CorruptData: ${result.message}`)
  return result
}

const zoneOfCount = (zoneCount: number) => (name: Uint8Array) => name[0]! % zoneCount

const liveRecordsOf = (zone: OpenChapterZone): Array<string> =>
  Array.from({ length: zone.size }, (_, k) => hex(zone.records.subarray((k + 1) * 32, (k + 2) * 32)))

describe.skipIf(!vectorsPresent)(`index-tiny open chapter${vectorsPresent ? "" : ` (skipped: ${skipReason})`}`, () => {
  const { bytes } = vectorsPresent ? readIndexTiny() : { bytes: new Uint8Array(0) }
  const region = vectorsPresent ? slotRegion(bytes, currentSaveSlot(bytes), IndexLayout.RegionKind.OpenChapter) : bytes
  const expected = vectorsPresent ? postedRecords(FIRST_OPEN, OPEN_COUNT) : []

  it("loads into one zone: 1696 records, the seed-1 names k = 98,304 … 99,999 in order, each found with le64(k)", () => {
    const { summary, zones } = mustLoad(Saved.load(region, RECORDS_PER_CHAPTER, 1, zoneOfCount(1)))
    assert.deepStrictEqual(summary, { records: OPEN_COUNT, loaded: OPEN_COUNT, dropped: 0, duplicates: 0 })
    const zone = zones[0]!
    assert.deepStrictEqual([zone.capacity, zone.slotCount, zone.size, zone.deletions], [32768, 131072, OPEN_COUNT, 0])
    assert.deepStrictEqual(liveRecordsOf(zone), expected.map((record) => hex(record.name) + hex(record.data)))
    const out = new Uint8Array(16)
    for (const record of expected) {
      assert.isTrue(zone.search(record.name, out))
      assert.strictEqual(hex(out), hex(record.data))
    }
    // Record 0 of the run was written in chapter 0, not here.
    const stream = RecordGenerator.splitMix64(1)
    const first = new Uint8Array(16)
    RecordGenerator.nextName(stream, first)
    assert.isFalse(zone.search(first, out))
  })

  it("hashes as the reference: 11 names sit one step past their home slot, every other at home", () => {
    const { zones } = mustLoad(Saved.load(region, RECORDS_PER_CHAPTER, 1, zoneOfCount(1)))
    const zone = zones[0]!
    let displaced = 0
    for (let slot = 0; slot < zone.slotCount; slot++) {
      const r = zone.recordAt(slot)
      if (r === 0) continue
      const home = homeSlot(zone.records, r * 32, zone.slotCount)
      if (home !== slot) {
        assert.strictEqual(slot, (home + 1) % zone.slotCount, `record ${r}`)
        displaced++
      }
    }
    assert.strictEqual(displaced, 11)
  })

  it("saves back to the region's bytes: the stream, zeros to the end of its block and of the region", () => {
    const { zones } = mustLoad(Saved.load(region, RECORDS_PER_CHAPTER, 1, zoneOfCount(1)))
    const saved = Saved.save(zones)
    assert.strictEqual(saved.length, 14 * 4096, "the stream's 54,286 bytes end in its 14th block")
    assert.strictEqual(Saved.streamBytes(OPEN_COUNT), 54_286)
    assert.isTrue(Buffer.from(region.subarray(0, saved.length)).equals(Buffer.from(saved)))
    assert.isTrue(region.subarray(saved.length).every((byte) => byte === 0))
    // The older slot holds the same open chapter (no chapter closed after either save).
    const older = slotRegion(bytes, saveSlots(bytes)[0]!, IndexLayout.RegionKind.OpenChapter)
    assert.isTrue(Buffer.from(older.subarray(0, saved.length)).equals(Buffer.from(saved)))
  })

  for (const zoneCount of [2, 3]) {
    it(`loads into ${zoneCount} zones and saves the same records, round-robin by each zone's arrival order`, () => {
      const zoneOf = zoneOfCount(zoneCount)
      const { summary, zones } = mustLoad(Saved.load(region, RECORDS_PER_CHAPTER, zoneCount, zoneOf))
      assert.deepStrictEqual(summary, { records: OPEN_COUNT, loaded: OPEN_COUNT, dropped: 0, duplicates: 0 })
      const perZone = Array.from({ length: zoneCount }, (_, z) => expected.filter((record) => zoneOf(record.name) === z))
      assert.deepStrictEqual(zones.map((zone) => zone.size), perZone.map((list) => list.length))
      const interleaved: Array<string> = []
      for (let k = 0; k < Math.max(...perZone.map((list) => list.length)); k++) {
        for (const list of perZone) if (k < list.length) interleaved.push(hex(list[k]!.name) + hex(list[k]!.data))
      }
      const saved = Saved.save(zones)
      assert.strictEqual(hex(saved.subarray(0, 14)), hex(region.subarray(0, 14)), "same header, R = 1696")
      const records = Array.from({ length: OPEN_COUNT }, (_, i) => hex(saved.subarray(14 + i * 32, 14 + (i + 1) * 32)))
      assert.deepStrictEqual(records, interleaved)
      assert.deepStrictEqual([...records].sort(), expected.map((record) => hex(record.name) + hex(record.data)).sort())
      // And back into one zone: the chapter as it now stands.
      const back = mustLoad(Saved.load(saved, RECORDS_PER_CHAPTER, 1, zoneOfCount(1)))
      assert.deepStrictEqual(liveRecordsOf(back.zones[0]!), interleaved)
    })
  }

  it("a discarded open chapter (its first block zeroed, §8.3) no longer loads", () => {
    const discarded = region.slice()
    discarded.fill(0, 0, Saved.BLOCK_BYTES)
    const result = Saved.load(discarded, RECORDS_PER_CHAPTER, 1, zoneOfCount(1))
    assert.instanceOf(result, CorruptData)
    assert.match((result as CorruptData).message, /discarded/)
  })

  it("the 100,000 posts through one zone, closing at each full chapter, give index-tiny's record pages and open chapter", () => {
    const layout = Either.getOrThrow(IndexLayout.parse(bytes))
    const geometry = layout.geometry
    assert.strictEqual(geometry.recordsPerChapter, RECORDS_PER_CHAPTER)
    const zones = makeZones(RECORDS_PER_CHAPTER, 1)
    const zone = zones[0]!
    const into = { records: new Uint8Array(RECORDS_PER_CHAPTER * 32), indexed: new Uint8Array(RECORDS_PER_CHAPTER) }
    let chapter = 0
    for (const record of postedRecords(0, 100_000)) {
      if (zone.put(record.name, record.data) > 0) continue
      // Full: the chapter closes; its collated records are what the volume holds.
      const collated = collate(zones, RECORDS_PER_CHAPTER, into)!
      assert.strictEqual(collated.indexedCount, RECORDS_PER_CHAPTER)
      for (let p = 0; p < geometry.recordPagesPerChapter; p++) {
        const start = layout.volumeOffset +
          Geometry.physicalPage(geometry, chapter, geometry.indexPagesPerChapter + p) * geometry.bytesPerPage
        const page = RecordPage.encode(geometry, collated.records.subarray(p * 1024 * 32, (p + 1) * 1024 * 32))
        assert.isTrue(Buffer.from(page).equals(Buffer.from(bytes.subarray(start, start + geometry.bytesPerPage))), `chapter ${chapter} page ${p}`)
      }
      zone.reset()
      chapter++
    }
    assert.strictEqual(chapter, 3)
    const saved = Saved.save(zones)
    assert.isTrue(Buffer.from(region.subarray(0, saved.length)).equals(Buffer.from(saved)))
  })
})
