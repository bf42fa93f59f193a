// Crashes while a chapter is written: the chapter's single device write is
// held in a volatile cache (BlockDevice.layerCrashable), its flush is made to
// fail (BlockDevice.layerFaulty), and a crash then keeps exactly the first
// `landed` bytes of it. Both the volume that wrote and a volume reopened over
// the crashed bytes must report exactly the chapters that are complete, find
// every record of them, and never give a record another record's data.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ChapterIndex, type Geometry, RecordPage, type Volume } from "@effect-uds/volume"
import {
  lookupCachedUntilDone, openCrashableVolume, type Outcome, outcomeOf, threeIndexGeometry, volumeImage
} from "../support/faults.js"
import { absentName, chapterRecords, NONCE, openMemoryVolume, recordAt, smallGeometry } from "../support/volumes.js"

/** A sector: real devices tear writes at sector boundaries at worst. */
const SECTOR = 512

interface Scenario {
  readonly label: string
  readonly geometry: Geometry.Geometry
  /** The chapter being written when the crash comes; chapters 0 .. chapter − 1 were written before. */
  readonly chapter: number
}

const scenarios: ReadonlyArray<Scenario> = [
  { label: "one index page, into a never-written chapter", geometry: smallGeometry, chapter: 5 },
  { label: "one index page, over the oldest chapter", geometry: smallGeometry, chapter: 21 },
  { label: "one index page, over the oldest chapter, in physical chapter 0", geometry: smallGeometry, chapter: 16 },
  { label: "three index pages, into a never-written chapter", geometry: threeIndexGeometry, chapter: 3 },
  { label: "three index pages, over the oldest chapter", geometry: threeIndexGeometry, chapter: 10 },
  { label: "three index pages, over the oldest chapter, in physical chapter 0", geometry: threeIndexGeometry, chapter: 8 }
]

/** How the crash happens: how many bytes of the chapter write reached the device, and how. */
interface CrashPoint {
  readonly label: string
  readonly landed: number
  /** undefined: the write completed and was flushed before the crash. */
  readonly crash: { readonly keep: number; readonly tornBytes?: number } | undefined
}

const boundaryPoints = (geometry: Geometry.Geometry): Array<CrashPoint> =>
  Array.from({ length: geometry.pagesPerChapter + 1 }, (_, k) => ({
    label: `${k} of ${geometry.pagesPerChapter} pages landed`,
    landed: k * geometry.bytesPerPage,
    crash: { keep: 0, tornBytes: k * geometry.bytesPerPage }
  }))

// Tears inside pages at sector boundaries, and inside index pages also at an
// unaligned offset (the index page decoder must reject any mix of two pages).
const tornPoints = (geometry: Geometry.Geometry, pages: ReadonlyArray<number>): Array<CrashPoint> =>
  pages.flatMap((page) => {
    const { bytesPerPage } = geometry
    const sectors = [...new Set([SECTOR, bytesPerPage / 2, bytesPerPage - SECTOR])].filter((offset) => offset < bytesPerPage)
    const offsets = page < geometry.indexPagesPerChapter ? [100, ...sectors, bytesPerPage - 324] : sectors
    return offsets.map((offset) => {
      const landed = page * geometry.bytesPerPage + offset
      return { label: `page ${page} torn after ${offset} bytes`, landed, crash: { keep: 0, tornBytes: landed } }
    })
  })

const completePoints = (geometry: Geometry.Geometry): Array<CrashPoint> => {
  const whole = geometry.pagesPerChapter * geometry.bytesPerPage
  return [
    { label: "the whole write kept, never flushed", landed: whole, crash: { keep: 1 } },
    { label: "crash after the flush", landed: whole, crash: undefined }
  ]
}

// The bytes of an index page that matter: everything up to its last non-zero
// byte before the guard (this library writes zeros in the unused area).
const usedBytes = (page: Uint8Array): number => {
  let last = page.length - 8
  while (last >= 0 && page[last] === 0) last--
  return last + 1
}

/** What the crashed volume must show, computed from the bytes that landed. */
const expectationsOf = (scenario: Scenario, landed: number) => {
  const { chapter, geometry } = scenario
  const { bytesPerPage, chaptersPerVolume, indexPagesPerChapter, recordsPerPage } = geometry
  const records = chapterRecords(geometry, chapter)
  const wrapped = chapter >= chaptersPerVolume
  const newIndexPages = ChapterIndex.pack(geometry, NONCE, chapter, records)
  // An index page that landed in part still reads as the new page when the
  // tear falls after its used bytes and the old page had its guard bytes.
  const indexPageIsNew = (k: number) => {
    const torn = landed - k * bytesPerPage
    return torn >= bytesPerPage || (wrapped && torn >= usedBytes(newIndexPages[k]!))
  }
  const index: "new" | "old" | "bad" = Array.from({ length: indexPagesPerChapter }, (_, k) => k).every(indexPageIsNew)
    ? "new"
    : landed === 0 ? "old" : "bad"
  // Without a good index the chapter is not on the volume and a lookup in it
  // finds nothing, unless an index page was torn inside: its header claims
  // the new chapter and the page is damaged, so the new chapter's lookups fail.
  const tornIndexPage = landed % bytesPerPage !== 0 && landed < indexPagesPerChapter * bytesPerPage
  const unreadable: Outcome = index === "bad" && tornIndexPage ? "CorruptData" : "none"
  const lowestBefore = wrapped ? chapter - chaptersPerVolume : 0
  const boundaries = {
    lowest: index === "old" ? lowestBefore : wrapped ? lowestBefore + 1 : 0,
    highest: index === "new" ? chapter : chapter - 1,
    isEmpty: false
  }
  // A record of the new chapter is found when its slot landed: the tree walk
  // from slot 0 only visits lower slots first, so it never meets old bytes.
  const newRecord = (i: number): Outcome => {
    if (index !== "new") return unreadable
    const page = Math.floor(i / recordsPerPage)
    const pageStart = (indexPagesPerChapter + page) * bytesPerPage
    const encoded = RecordPage.encode(geometry, records.subarray(page * recordsPerPage * 32, (page + 1) * recordsPerPage * 32))
    const slot = RecordPage.findSlot(encoded, recordAt(records, i).name, recordsPerPage)
    return landed >= pageStart + (slot + 1) * 32 ? "found" : "none"
  }
  const oldRecord: Outcome = index === "old" ? "found" : "none"
  return { boundaries, newRecord, oldRecord, absent: index === "new" ? "none" : unreadable, lowestBefore }
}

// The records looked up in a chapter: two on every record page, and every
// record of the page the crash tore, if any.
const sampled = (geometry: Geometry.Geometry, landed: number): Array<number> => {
  const { bytesPerPage, indexPagesPerChapter, recordPagesPerChapter, recordsPerPage } = geometry
  const torn = landed % bytesPerPage === 0 ? -1 : Math.floor(landed / bytesPerPage) - indexPagesPerChapter
  return Array.from({ length: recordPagesPerChapter }, (_, page) =>
    page === torn
      ? Array.from({ length: recordsPerPage }, (_, slot) => page * recordsPerPage + slot)
      : [page * recordsPerPage + (page % recordsPerPage), (page + 1) * recordsPerPage - 1]).flat()
}

/** Checks one volume (the one that wrote, or a reopened one) against the expectations. */
const check = (volume: Volume.Service, scenario: Scenario, point: CrashPoint, who: string) =>
  Effect.gen(function*() {
    const { chapter, geometry } = scenario
    const expected = expectationsOf(scenario, point.landed)
    const where = `${point.label}, ${who}`
    assert.deepStrictEqual(yield* volume.findChapterBoundaries, expected.boundaries, `boundaries: ${where}`)

    const indices = sampled(geometry, point.landed)
    const outcomesIn = (vcn: number, which = indices) => {
      const records = chapterRecords(geometry, vcn)
      return Effect.forEach(which, (i) => outcomeOf(volume.lookup(recordAt(records, i).name, vcn), recordAt(records, i).data), {
        concurrency: "unbounded"
      })
    }
    assert.deepStrictEqual(yield* outcomesIn(chapter), indices.map(expected.newRecord), `new chapter: ${where}`)
    const absent = yield* Effect.forEach([0, 1, 2], (i) => outcomeOf(volume.lookup(absentName(i), chapter), new Uint8Array(16)))
    assert.deepStrictEqual(absent, [expected.absent, expected.absent, expected.absent], `absent names: ${where}`)
    const old = chapter - geometry.chaptersPerVolume
    if (old >= 0) {
      const untorn = sampled(geometry, 0)
      assert.deepStrictEqual(yield* outcomesIn(old, untorn), untorn.map(() => expected.oldRecord), `old chapter: ${where}`)
    }
    // Every other chapter is untouched.
    const few = [0, 1, 2, 3].map((j) => Math.floor(j * geometry.recordsPerChapter / 4) + j)
    for (let vcn = Math.max(0, old + 1); vcn < chapter; vcn++) {
      assert.deepStrictEqual(yield* outcomesIn(vcn, few), few.map(() => "found"), `chapter ${vcn}: ${where}`)
    }
    if (who !== "reopened") return
    // Rebuild lookups and lookupCached agree with normal ones.
    const records = chapterRecords(geometry, chapter)
    const some = indices.filter((_, j) => j % 11 === 0)
    const cached = yield* Effect.forEach(some, (i) =>
      outcomeOf(lookupCachedUntilDone(volume, recordAt(records, i).name, chapter), recordAt(records, i).data), {
      concurrency: "unbounded"
    })
    assert.deepStrictEqual(cached, some.map(expected.newRecord), `lookupCached: ${where}`)
    const rebuild = yield* Effect.forEach(indices, (i) =>
      Effect.match(volume.lookupForRebuild(recordAt(records, i).name, chapter), {
        onFailure: (error) => error._tag,
        onSuccess: (found) => found ? "found" : "none"
      }), { concurrency: "unbounded" })
    assert.deepStrictEqual(rebuild, indices.map(expected.newRecord), `rebuild lookups: ${where}`)
  })

const crashAndCheck = (scenario: Scenario, point: CrashPoint) =>
  Effect.scoped(Effect.gen(function*() {
    const { chapter, geometry } = scenario
    const bytes = yield* volumeImage(geometry, 0, chapter - 1)
    const { crash, faults, volume } = yield* openCrashableVolume(geometry, bytes)
    if (chapter >= geometry.chaptersPerVolume) yield* volume.forgetChapter(chapter - geometry.chaptersPerVolume)
    if (point.crash === undefined) {
      yield* volume.writeChapter(chapter, chapterRecords(geometry, chapter))
      yield* crash.crash()
    } else {
      yield* faults.fail({ operation: "flush", times: 1 })
      const error = yield* Effect.flip(volume.writeChapter(chapter, chapterRecords(geometry, chapter)))
      assert.strictEqual(error._tag === "IoError" && error.operation, "flush")
      assert.strictEqual(yield* crash.pending, 1, "the chapter is one unflushed write")
      yield* crash.crash(point.crash)
    }
    assert.strictEqual(yield* crash.pending, 0)
    yield* check(volume, scenario, point, "the volume that wrote")
    yield* check(yield* openMemoryVolume(geometry, bytes), scenario, point, "reopened")
  }))

describe("a crash while a chapter is written", () => {
  for (const scenario of scenarios) {
    const { chapter, geometry } = scenario
    const before = `chapters ${Math.max(0, chapter - geometry.chaptersPerVolume)}..${chapter - 1}`
    describe(`chapter ${chapter} written after ${before} (${scenario.label})`, () => {
      it.effect("at every page boundary: boundaries and lookups show exactly the pages that landed", () =>
        Effect.forEach(boundaryPoints(geometry), (point) => crashAndCheck(scenario, point), { discard: true }))

      it.effect("torn inside a page: a torn index page makes the chapter bad, a torn record page loses only what did not land", () => {
        const pages = Array.from({ length: geometry.pagesPerChapter }, (_, k) => k)
        return Effect.forEach(tornPoints(geometry, pages), (point) => crashAndCheck(scenario, point), { discard: true })
      })

      it.effect("after the whole write landed, flushed or not, the chapter is complete", () =>
        Effect.forEach(completePoints(geometry), (point) => crashAndCheck(scenario, point), { discard: true }))
    })
  }
})
