import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Geometry, RecordPage } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { geometryOf, readMeta, readVectorFile, skipReason, vectorsPresent, volumeVectorNames } from "../support/vectors.js"

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

describe.skipIf(!vectorsPresent)(`RecordPage against the golden vectors (${vectorsPresent ? "present" : skipReason})`, () => {
  it("encodes records 0..127 of seed 1 as single-pages/record_page_4096.bin byte for byte", () => {
    const geometry = Effect.runSync(Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 8, chaptersPerVolume: 16 }))
    const records = RecordGenerator.nextRecords(RecordGenerator.splitMix64(1), 0, 128, 0)
    const expected = readVectorFile("single-pages", "record_page_4096.bin")
    assert.isTrue(sameBytes(RecordPage.encode(geometry, records), expected))
    for (let i = 0; i < 128; i++) {
      const found = RecordPage.search(geometry, expected, records.subarray(32 * i, 32 * i + 16))
      assert.deepStrictEqual(found, records.slice(32 * i + 16, 32 * i + 32))
    }
  })

  for (const name of volumeVectorNames) {
    it(`re-encodes every record page of every chapter present in ${name} byte for byte`, () => {
      const meta = readMeta(name)
      const geometry = geometryOf(meta)
      const volume = readVectorFile(name, "volume.bin")
      const present = meta.physical_chapter_vcn.flatMap((vcn, physical) => (vcn === null ? [] : [{ vcn, physical }]))
      const first = Math.min(...present.map(({ vcn }) => vcn))
      const last = Math.max(...present.map(({ vcn }) => vcn))
      // One generator run for all chapters: the stream must be replayed from the start for each call.
      const chapters = RecordGenerator.chapters(geometry, meta.seed, first, last)
      const { bytesPerPage, recordsPerPage } = geometry
      const pageBytes = recordsPerPage * 32
      const mismatches: Array<string> = []
      let searched = 0
      for (const { vcn, physical } of present) {
        const records = chapters[vcn - first]!
        for (let p = 0; p < geometry.recordPagesPerChapter; p++) {
          const at = bytesPerPage * Geometry.physicalPage(geometry, physical, geometry.indexPagesPerChapter + p)
          const stored = volume.subarray(at, at + bytesPerPage)
          const pageRecords = records.subarray(p * pageBytes, (p + 1) * pageBytes)
          if (!sameBytes(RecordPage.encode(geometry, pageRecords), stored)) {
            mismatches.push(`chapter ${physical} (vcn ${vcn}) record page ${p}`)
          }
          for (let i = 0; i < recordsPerPage; i++) {
            const found = RecordPage.search(geometry, stored, pageRecords.subarray(32 * i, 32 * i + 16))
            if (found === undefined || !sameBytes(found, pageRecords.subarray(32 * i + 16, 32 * i + 32))) {
              mismatches.push(`record ${i} of chapter ${physical} record page ${p} not found with its data`)
            }
            searched++
          }
        }
      }
      assert.deepStrictEqual(mismatches, [])
      assert.strictEqual(searched, present.length * geometry.recordsPerChapter)
    })
  }
})
