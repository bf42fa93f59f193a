// Random and mutated page bytes fed to the page decoders and to a volume:
// never a throw, a defect or a hang; only CorruptData, or an answer that is
// consistent with the bytes.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Option } from "effect"
import { ChapterIndex, type Geometry, RecordPage, VolumeError } from "@effect-uds/volume"
import { pageBytes, threeIndexGeometry, volumeImage } from "../support/faults.js"
import { absentName, chapterRecords, NONCE, openMemoryVolume, recordAt, smallGeometry } from "../support/volumes.js"

const geometries = [smallGeometry, threeIndexGeometry] as const

/** One edit of a page: flip a bit, set a byte, zero or copy a run of bytes. */
const mutation = fc.record({
  kind: fc.constantFrom("flip", "set", "zero", "copy"),
  at: fc.nat(),
  from: fc.nat(),
  length: fc.integer({ min: 1, max: 48 }),
  value: fc.integer({ min: 0, max: 255 })
})
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never

const mutate = (page: Uint8Array, edits: ReadonlyArray<Mutation>): Uint8Array => {
  const out = page.slice()
  for (const { at, from, kind, length, value } of edits) {
    const i = at % out.length
    if (kind === "flip") out[i]! ^= 1 << (value & 7)
    else if (kind === "set") out[i] = value
    else if (kind === "zero") out.fill(0, i, i + length)
    else out.copyWithin(i, from % out.length, (from % out.length) + length)
  }
  return out
}

// Index pages of chapter 0 (and their geometry), and names to search for: the chapter's and absent ones.
const indexPages = geometries.flatMap((geometry) =>
  ChapterIndex.pack(geometry, NONCE, 0, chapterRecords(geometry, 0)).map((page) => ({ geometry, page })))
const namesOf = (geometry: Geometry.Geometry) => [
  ...Array.from({ length: 48 }, (_, j) => recordAt(chapterRecords(geometry, 0), j * 13).name),
  ...Array.from({ length: 8 }, (_, j) => absentName(j))
]

/** Every answer a decoded page gives for `names`: undefined or a record page of the chapter. */
const answersOf = (geometry: Geometry.Geometry, page: ChapterIndex.IndexPage, names: ReadonlyArray<Uint8Array>) =>
  names.map((name) => {
    const answer = page.search(name)
    if (answer !== undefined) {
      assert.isTrue(Number.isInteger(answer) && answer >= 0 && answer < geometry.recordPagesPerChapter, `answer ${answer}`)
    }
    return answer
  })

const writeBits = (bytes: Uint8Array, at: number, width: number, value: number) => {
  for (let b = 0; b < width; b++) {
    const bit = at + b
    bytes[bit >> 3] = (bytes[bit >> 3]! & ~(1 << (bit & 7))) | (((value >> b) & 1) << (bit & 7))
  }
}

// Random pages with a valid header, offset table and guard, so the decoder
// gets to walk random list bits (many lists empty, so some pages decode).
const plausibleIndexPage = (geometry: Geometry.Geometry) =>
  fc.record({
    random: fc.uint8Array({ minLength: geometry.bytesPerPage, maxLength: geometry.bytesPerPage }),
    sizes: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })), { maxLength: geometry.deltaListsPerChapter }),
    chapter: fc.integer({ min: 0, max: 1000 })
  }).map(({ chapter, random, sizes }) => {
    const bytes = random.slice()
    const view = new DataView(bytes.buffer)
    view.setBigUint64(0, NONCE, true)
    view.setBigUint64(8, BigInt(chapter), true)
    view.setUint16(16, 0, true)
    view.setUint16(18, sizes.length, true)
    let offset = 160 + 19 * (sizes.length + 1)
    writeBits(bytes, 160, 19, offset)
    sizes.forEach((size, j) => {
      offset += size
      writeBits(bytes, 160 + 19 * (j + 1), 19, offset)
    })
    bytes.fill(0xff, bytes.length - 7)
    return bytes
  })

describe("fuzzing the index page decoder", () => {
  it.prop(
    "random bytes of any length decode to CorruptData or to a page whose every answer is a record page of the chapter",
    {
      choice: fc.integer({ min: 0, max: geometries.length - 1 }),
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 2 * smallGeometry.bytesPerPage }),
        plausibleIndexPage(smallGeometry),
        plausibleIndexPage(threeIndexGeometry)
      )
    },
    ({ bytes, choice }) => {
      const geometry = geometries[choice]!
      const decoded = ChapterIndex.decodePage(geometry, NONCE, bytes)
      if (Either.isLeft(decoded)) {
        assert.strictEqual(decoded.left._tag, "CorruptData")
        return
      }
      assert.strictEqual(bytes.length, geometry.bytesPerPage)
      answersOf(geometry, decoded.right, namesOf(geometry))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "mutated index pages decode to CorruptData or to a page that answers consistently, the same each time",
    { choice: fc.integer({ min: 0, max: indexPages.length - 1 }), edits: fc.array(mutation, { minLength: 1, maxLength: 6 }) },
    ({ choice, edits }) => {
      const { geometry, page } = indexPages[choice]!
      const bytes = mutate(page, edits)
      const decoded = ChapterIndex.decodePage(geometry, NONCE, bytes)
      const again = ChapterIndex.decodePage(geometry, NONCE, bytes.slice())
      assert.strictEqual(decoded._tag, again._tag, "decoding is deterministic")
      if (Either.isLeft(decoded) || Either.isLeft(again)) return
      const names = namesOf(geometry)
      const answers = answersOf(geometry, decoded.right, names)
      assert.deepStrictEqual(answersOf(geometry, again.right, names), answers)
      // Unchanged bytes answer exactly as the page did before.
      if (Buffer.from(bytes).equals(Buffer.from(page))) {
        const original = Either.getOrThrow(ChapterIndex.decodePage(geometry, NONCE, page))
        assert.deepStrictEqual(answers, answersOf(geometry, original, names))
      }
    },
    { fastCheck: { numRuns: 400 } }
  )
})

// Record pages of chapter 0 of the small geometry.
const recordPages = Array.from({ length: smallGeometry.recordPagesPerChapter }, (_, p) => {
  const { recordsPerPage } = smallGeometry
  const records = chapterRecords(smallGeometry, 0).subarray(p * recordsPerPage * 32, (p + 1) * recordsPerPage * 32)
  return { page: RecordPage.encode(smallGeometry, records), records }
})

// Whether slot `s` of `page` holds `name` (zero-padded to 16 bytes) followed by `data`.
const slotHolds = (page: Uint8Array, s: number, name: Uint8Array, data: Uint8Array): boolean => {
  for (let b = 0; b < 16; b++) if (page[s * 32 + b] !== (name[b] ?? 0)) return false
  for (let b = 0; b < 16; b++) if (page[s * 32 + 16 + b] !== data[b]) return false
  return true
}

/** The data `search` gave must sit right after `name` in some slot of the page. */
const assertConsistent = (page: Uint8Array, name: Uint8Array, data: Uint8Array | undefined) => {
  if (data === undefined) return
  assert.strictEqual(data.length, 16)
  const slots = Math.min(smallGeometry.recordsPerPage, page.length >>> 5)
  let matching = false
  for (let s = 0; s < slots && !matching; s++) matching = slotHolds(page, s, name, data)
  assert.isTrue(matching, "the data returned is stored next to the name")
}

describe("fuzzing the record page search", () => {
  it.prop(
    "random bytes of any length and names of any length: undefined, or data stored next to that name",
    {
      page: fc.uint8Array({ maxLength: 2 * smallGeometry.bytesPerPage }),
      names: fc.array(fc.uint8Array({ minLength: 0, maxLength: 20 }), { minLength: 1, maxLength: 8 }),
      stored: fc.nat()
    },
    ({ names, page, stored }) => {
      // Also search for a name that is in the page, if it has a slot.
      const slots = Math.min(smallGeometry.recordsPerPage, page.length >>> 5)
      const present = slots === 0 ? [] : [page.slice((stored % slots) * 32, (stored % slots) * 32 + 16)]
      for (const name of [...names, ...present]) {
        // A name of another length is bad input: InvalidArgument, never an answer.
        if (name.length === 16) assertConsistent(page, name, RecordPage.search(smallGeometry, page, name))
        else assert.throws(() => RecordPage.search(smallGeometry, page, name), VolumeError.InvalidArgument, "16 bytes")
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "mutated record pages: every answer is the data stored next to the name, and an unchanged page finds every record",
    { choice: fc.integer({ min: 0, max: recordPages.length - 1 }), edits: fc.array(mutation, { minLength: 1, maxLength: 6 }) },
    ({ choice, edits }) => {
      const { page, records } = recordPages[choice]!
      const bytes = mutate(page, edits)
      let found = 0
      for (let i = 0; i < smallGeometry.recordsPerPage; i++) {
        const { name } = recordAt(records, i)
        const data = RecordPage.search(smallGeometry, bytes, name)
        assertConsistent(bytes, name, data)
        if (data !== undefined) found++
      }
      if (Buffer.from(bytes).equals(Buffer.from(page))) assert.strictEqual(found, smallGeometry.recordsPerPage)
    },
    { fastCheck: { numRuns: 300 } }
  )
})

describe("fuzzing a volume's pages", () => {
  it.effect.prop(
    "mutated index and record pages on the device: lookups give CorruptData, not found, or the data stored next to the name; never a defect",
    {
      indexEdits: fc.array(mutation, { maxLength: 4 }),
      recordEdits: fc.array(mutation, { maxLength: 4 }),
      recordPage: fc.integer({ min: 0, max: smallGeometry.recordPagesPerChapter - 1 })
    },
    ({ indexEdits, recordEdits, recordPage }) =>
      Effect.scoped(Effect.gen(function*() {
        const geometry = smallGeometry
        const image = yield* volumeImage(geometry, 0, 1)
        const place = (pageInChapter: number, edits: ReadonlyArray<Mutation>) => {
          const { end, start } = pageBytes(geometry, 1, pageInChapter)
          image.set(mutate(image.subarray(start, end), edits), start)
        }
        place(0, indexEdits)
        place(geometry.indexPagesPerChapter + recordPage, recordEdits)
        const volume = yield* openMemoryVolume(geometry, image)
        const records = chapterRecords(geometry, 1)
        const indices = Array.from({ length: 64 }, (_, j) => j * 16 + (j % 16))
        const results = yield* Effect.forEach(indices, (i) => Effect.either(volume.lookup(recordAt(records, i).name, 1)), {
          concurrency: "unbounded"
        })
        results.forEach((result, j) => {
          const i = indices[j]!
          if (Either.isLeft(result)) return assert.strictEqual(result.left._tag, "CorruptData")
          if (Option.isNone(result.right)) return
          // Data found is what the device holds next to the name: the original data,
          // or bytes an edit changed (record pages carry no checksum).
          const { end, start } = pageBytes(geometry, 1, geometry.indexPagesPerChapter + Math.floor(i / geometry.recordsPerPage))
          assertConsistent(image.subarray(start, end), recordAt(records, i).name, result.right.value)
        })
        if (indexEdits.length === 0 && recordEdits.length === 0) {
          assert.deepStrictEqual(results.map((result) => Either.isRight(result) && Option.isSome(result.right)), indices.map(() => true))
        }
        // Chapter 0 was not touched at all.
        const { data, name } = recordAt(chapterRecords(geometry, 0), 5)
        assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, 0)), data.slice())
        // Rebuild keeps chapter 1 exactly when its index page still reads as chapter 1's.
        const { end, start } = pageBytes(geometry, 1, 0)
        const indexPage = ChapterIndex.decodePage(geometry, NONCE, image.subarray(start, end))
        const holds = Either.isRight(indexPage) && indexPage.right.lowestList === 0 ? indexPage.right.virtualChapter : undefined
        const boundaries = yield* volume.findChapterBoundaries
        if (holds === undefined || holds % geometry.chaptersPerVolume !== 1) {
          assert.deepStrictEqual(boundaries, { lowest: 0, highest: 0, isEmpty: false })
        } else if (holds === 1) {
          assert.deepStrictEqual(boundaries, { lowest: 0, highest: 1, isEmpty: false })
        }
      })),
    { fastCheck: { numRuns: 40 } }
  )
})
