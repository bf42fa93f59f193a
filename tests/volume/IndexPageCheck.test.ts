import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { ChapterIndex, Geometry } from "@effect-uds/volume"
import { INDEX_PAGE_GUARD_BYTES } from "@effect-uds/volume/Geometry"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { checkIndexPage, IndexPageHeader } from "../../packages/volume/src/internal/format/indexPageCheck.js"
import { decodeIndexPage } from "../../packages/volume/src/internal/format/indexPageDecoder.js"

const makeGeometry = (options: Geometry.Options): Geometry.Geometry => Effect.runSync(Geometry.make(options))

/** A chapter's index pages, some names sharing a list and address so collision entries appear. */
const chapterPages = (bytesPerPage: number, recordPagesPerChapter: number, seed: number, collisions: number) => {
  const geometry = makeGeometry({ bytesPerPage, recordPagesPerChapter })
  const records = RecordGenerator.chapters(geometry, seed, 0, 0)[0]!
  const count = geometry.recordsPerChapter
  for (let c = 1; c <= collisions && count > 1; c++) {
    const from = (c * 7919 + (seed >>> 0)) % count
    const to = (from + c * 31) % count
    if (from !== to) records.copyWithin(32 * to + 8, 32 * from + 8, 32 * from + 14)
  }
  const nonce = BigInt(seed >>> 0) * 0x100000001n
  const virtualChapter = (seed >>> 0) % 100000
  return { geometry, nonce, pages: ChapterIndex.packChapter(geometry, nonce, virtualChapter, records, count).pages }
}

/** The header rewritten big-endian, as a big-endian host writes it (the lists stay the same). */
const toBigEndian = (page: Uint8Array): void => {
  const view = new DataView(page.buffer, page.byteOffset, 20)
  view.setBigUint64(0, view.getBigUint64(0, true), false)
  view.setBigUint64(8, view.getBigUint64(8, true), false)
  view.setUint16(16, view.getUint16(16, true), false)
  view.setUint16(18, view.getUint16(18, true), false)
}

/** One change to a page: flip a bit, set a byte, or overwrite a bit range with zeros or ones. */
type Damage =
  | { readonly kind: "flip"; readonly at: number }
  | { readonly kind: "byte"; readonly at: number; readonly value: number }
  | { readonly kind: "fill"; readonly at: number; readonly length: number; readonly value: number }

// Positions are fractions of a region: the header and offsets (where most
// checks are), the list data, or anywhere.
const position = fc.record({
  region: fc.constantFrom("front", "lists", "anywhere"),
  share: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
})

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("fill" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
    value: fc.constantFrom(0, 255)
  })
) as never

/** A bit of the page in the region chosen. */
const bitIn = (page: Uint8Array, where: { readonly region: string; readonly share: number }): number => {
  const bits = page.length * 8
  // 20 header bytes and a few hundred offset bits make the front.
  const front = Math.min(bits, 160 + 19 * 64)
  const [from, to] = where.region === "front" ? [0, front] : where.region === "lists" ? [front, bits - 64] : [0, bits]
  return from + Math.floor(where.share * (to - from))
}

const applyDamage = (page: Uint8Array, change: Damage, bit: number): void => {
  const at = bit >>> 3
  if (change.kind === "flip") page[at] = page[at]! ^ (1 << (bit & 7))
  else if (change.kind === "byte") page[at] = change.value
  else page.fill(change.value, at, Math.min(page.length, at + change.length))
}

/** The two verdicts on one page: the decoder's and the check's, with the header the check read. */
const verdicts = (geometry: Geometry.Geometry, nonce: bigint, page: Uint8Array) => {
  const decoded = decodeIndexPage(geometry, nonce, page)
  const header = new IndexPageHeader()
  const problem = checkIndexPage(geometry, nonce, page, header)
  return { decoded, problem, header }
}

const assertSameVerdict = (geometry: Geometry.Geometry, nonce: bigint, page: Uint8Array): boolean => {
  const { decoded, header, problem } = verdicts(geometry, nonce, page)
  if (typeof decoded === "string") {
    assert.strictEqual(problem, decoded)
    return false
  }
  assert.isUndefined(problem)
  assert.strictEqual(header.virtualChapter, decoded.virtualChapter)
  assert.strictEqual(header.firstList, decoded.lowestList)
  assert.strictEqual(header.highestList, decoded.highestList)
  assert.strictEqual(header.listCount, decoded.listCount)
  return true
}

const spec = fc.record({
  bytesPerPage: fc.constantFrom(256, 512, 1000, 4096),
  recordPagesPerChapter: fc.integer({ min: 1, max: 24 }),
  seed: fc.integer(),
  collisions: fc.integer({ min: 0, max: 6 }),
  bigEndian: fc.boolean()
})

describe("IndexPageCheck", () => {
  it.prop("accepts every page the packer writes, reading the header the decoder reads", { spec }, ({ spec }) => {
    const { geometry, nonce, pages } = chapterPages(spec.bytesPerPage, spec.recordPagesPerChapter, spec.seed, spec.collisions)
    for (const page of pages) {
      if (spec.bigEndian) toBigEndian(page)
      assert.isTrue(assertSameVerdict(geometry, nonce, page))
    }
  }, { fastCheck: { numRuns: 40 } })

  it.prop(
    "accepts and rejects exactly the damaged pages the decoder does, for the same reason",
    { spec, changes: fc.array(fc.tuple(damage, position), { minLength: 1, maxLength: 4 }), pick: fc.nat() },
    ({ changes, pick, spec }) => {
      const { geometry, nonce, pages } = chapterPages(spec.bytesPerPage, spec.recordPagesPerChapter, spec.seed, spec.collisions)
      const page = pages[pick % pages.length]!
      if (spec.bigEndian) toBigEndian(page)
      for (const [change, where] of changes) applyDamage(page, change, bitIn(page, where))
      assertSameVerdict(geometry, nonce, page)
    },
    { fastCheck: { numRuns: 400 } }
  )

  it.prop(
    "agrees with the decoder on random bytes behind a valid nonce and guard",
    { seed: fc.integer(), lists: fc.integer({ min: 0, max: 40 }), bytes: fc.uint8Array({ minLength: 512, maxLength: 512 }) },
    ({ bytes, lists, seed }) => {
      const geometry = makeGeometry({ bytesPerPage: 512, recordPagesPerChapter: 4 })
      const nonce = BigInt(seed >>> 0)
      const page = bytes.slice()
      const view = new DataView(page.buffer)
      view.setBigUint64(0, nonce, true)
      view.setBigUint64(8, BigInt(lists), true)
      view.setUint16(18, lists, true)
      // Offsets that start where they must and grow, so the walk meets random list data.
      let offset = 160 + 19 * (lists + 1)
      for (let j = 0; j <= lists; j++) {
        const at = 160 + 19 * j
        for (let b = 0; b < 19; b++) {
          const bit = at + b
          page[bit >>> 3] = (page[bit >>> 3]! & ~(1 << (bit & 7))) | (((offset >>> b) & 1) << (bit & 7))
        }
        offset += page[(j * 7) % 400]! % 40
      }
      page.fill(0xff, page.length - INDEX_PAGE_GUARD_BYTES)
      assertSameVerdict(geometry, nonce, page)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("rejects a page whose list data is damaged while its header is intact", () => {
    const { geometry, nonce, pages } = chapterPages(4096, 6, 7, 0)
    const page = pages[0]!
    // The first entry's 3-bit value field names record page 7 of a 6-page chapter.
    const header = new IndexPageHeader()
    assert.isUndefined(checkIndexPage(geometry, nonce, page, header))
    const first = header.firstBit
    page[first >>> 3] = page[first >>> 3]! | (0b111 << (first & 7))
    assert.include(checkIndexPage(geometry, nonce, page, header) ?? "accepted", "names record page 7, but a chapter has 6")
  })
})
