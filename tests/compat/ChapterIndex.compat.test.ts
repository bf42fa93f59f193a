import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import { ChapterIndex, Geometry } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { geometryOf, readMeta, readVectorFile, skipReason, vectorsPresent, volumeVectorNames } from "../support/vectors.js"

/** The parts of meta.json this test reads beyond the common ones. */
interface IndexMeta {
  readonly chapter_index_overflows: number
  readonly index_page_map: ReadonlyArray<ReadonlyArray<number>>
  readonly records: ReadonlyArray<{
    readonly vcn: number
    readonly physical_chapter: number
    readonly entries: ReadonlyArray<{ readonly name: string; readonly record_page: number }>
  }>
}

const readBits = (bytes: Uint8Array, bit: number, width: number): number => {
  let value = 0
  for (let i = 0; i < width; i++) value += ((bytes[(bit + i) >> 3]! >> ((bit + i) & 7)) & 1) * 2 ** i
  return value
}

/** The bit where a page's list data ends: the last of its 1 + list count offsets. */
const listDataEnd = (page: Uint8Array): number => readBits(page, 160 + 19 * readBits(page, 144, 16), 19)

/**
 * Where `ours` differs from the reference page `theirs` in what the reference
 * defines: the bits up to the end of the list data and the 7 guard bytes (the
 * bits in between are stale buffer contents in the reference). Undefined when
 * they agree.
 */
const firstDifference = (ours: Uint8Array, theirs: Uint8Array): string | undefined => {
  if (ours.length !== theirs.length) return `length ${ours.length} vs ${theirs.length}`
  const end = listDataEnd(theirs)
  const whole = end >> 3
  for (let i = 0; i < whole; i++) if (ours[i] !== theirs[i]) return `byte ${i}: ${ours[i]} vs ${theirs[i]}`
  const mask = (1 << (end & 7)) - 1
  if (((ours[whole]! ^ theirs[whole]!) & mask) !== 0) return `bits of byte ${whole} below bit ${end & 7}`
  for (let i = ours.length - 7; i < ours.length; i++) if (ours[i] !== theirs[i]) return `guard byte ${i}`
  return undefined
}

describe.skipIf(!vectorsPresent)(`ChapterIndex against the golden vectors (${vectorsPresent ? "present" : skipReason})`, () => {
  for (const name of volumeVectorNames) {
    describe(name, () => {
      const meta = readMeta(name)
      const indexMeta = meta as unknown as IndexMeta
      const geometry = geometryOf(meta)
      const nonce = BigInt(meta.volume_nonce)
      const volume = readVectorFile(name, "volume.bin")
      const pageAt = (physical: number, k: number): Uint8Array => {
        const at = geometry.bytesPerPage * Geometry.physicalPage(geometry, physical, k)
        return volume.subarray(at, at + geometry.bytesPerPage)
      }
      const present = meta.physical_chapter_vcn.flatMap((vcn, physical) => (vcn === null ? [] : [{ vcn, physical }]))

      it("packs every chapter present into its stored index pages, bit for bit up to the list data end", () => {
        let compared = 0
        for (const { physical, vcn } of present) {
          const records = RecordGenerator.chapters(geometry, meta.seed, vcn, vcn)[0]!
          const packed = ChapterIndex.packChapter(geometry, nonce, vcn, records, geometry.recordsPerChapter)
          assert.strictEqual(packed.overflows, indexMeta.chapter_index_overflows)
          assert.strictEqual(packed.pages.length, geometry.indexPagesPerChapter)
          packed.pages.forEach((ours, k) => {
            const theirs = pageAt(physical, k)
            assert.strictEqual(firstDifference(ours, theirs), undefined, `chapter ${physical} (vcn ${vcn}) index page ${k}`)
            // Between the list data and the guard we write zeros.
            const end = listDataEnd(ours)
            assert.strictEqual(ours[end >> 3]! >> (end & 7), 0)
            assert.isTrue(ours.subarray((end >> 3) + 1, ours.length - 7).every((byte) => byte === 0))
            compared++
          })
        }
        assert.strictEqual(compared, present.length * geometry.indexPagesPerChapter)
      })

      it("maps each chapter's pages to the highest lists in meta.json's index page map", () => {
        for (const { physical, vcn } of present) {
          const records = RecordGenerator.chapters(geometry, meta.seed, vcn, vcn)[0]!
          const packed = ChapterIndex.packChapter(geometry, nonce, vcn, records, geometry.recordsPerChapter)
          assert.deepStrictEqual(packed.highestLists, indexMeta.index_page_map[physical], `chapter ${physical}`)
        }
      })

      it("decodes every stored index page with its chapter's VCN and the map's list bounds", () => {
        for (const { physical, vcn } of present) {
          const highest = indexMeta.index_page_map[physical]!
          for (let k = 0; k < geometry.indexPagesPerChapter; k++) {
            const page = Either.getOrThrow(ChapterIndex.decodePage(geometry, nonce, pageAt(physical, k)))
            assert.strictEqual(page.virtualChapter, vcn)
            assert.strictEqual(page.lowestList, k === 0 ? 0 : highest[k - 1]! + 1)
            assert.strictEqual(page.highestList, highest[k])
          }
        }
      })

      it("finds every name listed in meta.json on its record page through the stored index pages", () => {
        let found = 0
        for (const chapter of indexMeta.records) {
          const pages = Array.from(
            { length: geometry.indexPagesPerChapter },
            (_, k) => Either.getOrThrow(ChapterIndex.decodePage(geometry, nonce, pageAt(chapter.physical_chapter, k)))
          )
          for (const entry of chapter.entries) {
            const recordName = new Uint8Array(Buffer.from(entry.name, "hex"))
            const list = ChapterIndex.deltaList(geometry, recordName)
            const page = pages.find((p) => p.lowestList <= list && list <= p.highestList)!
            assert.strictEqual(page.search(recordName), entry.record_page, entry.name)
            found++
          }
        }
        assert.strictEqual(found, 3 * geometry.recordsPerChapter)
      })

      it("rejects the stored pages under another nonce", () => {
        const { physical } = present[0]!
        assert.isTrue(Either.isLeft(ChapterIndex.decodePage(geometry, nonce ^ 1n, pageAt(physical, 0))))
      })
    })
  }

  describe("single pages", () => {
    const cases = [
      { file: "index_page_vcn0_page0_4096.bin", vcn: 0, source: "dense-fresh" },
      { file: "index_page_phys0_vcn16_page0_4096.bin", vcn: 16, source: "dense-small" }
    ]
    for (const { file, source, vcn } of cases) {
      it(`decodes ${file} and packs the same page from chapter ${vcn}'s records`, () => {
        const meta = readMeta(source)
        const geometry = geometryOf(meta)
        const nonce = BigInt(meta.volume_nonce)
        const stored = readVectorFile("single-pages", file)
        const page = Either.getOrThrow(ChapterIndex.decodePage(geometry, nonce, stored))
        assert.strictEqual(page.virtualChapter, vcn)
        assert.strictEqual(page.lowestList, 0)
        assert.strictEqual(page.highestList, geometry.deltaListsPerChapter - 1)
        const records = RecordGenerator.chapters(geometry, meta.seed, vcn, vcn)[0]!
        assert.strictEqual(firstDifference(ChapterIndex.pack(geometry, nonce, vcn, records)[0]!, stored), undefined)
        for (let i = 0; i < geometry.recordsPerChapter; i++) {
          assert.strictEqual(page.search(records.subarray(32 * i, 32 * i + 16)), Math.floor(i / geometry.recordsPerPage))
        }
      })
    }
  })
})
