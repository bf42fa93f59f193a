// Corrupt pages, on the device (at rest) or in what a read returns
// (BlockDevice.layerFaulty's corrupt): index pages give CorruptData to every
// lookup that needs them and make their chapter bad for rebuild; record
// pages never make a lookup return another record's data.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { ChapterIndex, type Geometry, RecordPage, type Volume } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { lookupCachedUntilDone, openFaultyVolume, outcomeOf, pageBytes, threeIndexGeometry, volumeImage } from "../support/faults.js"
import { listDataEndBit } from "../support/indexPages.js"
import { absentName, chapterRecords, NONCE, openMemoryVolume, recordAt, smallGeometry } from "../support/volumes.js"

const OTHER_NONCE = NONCE ^ 0x5a5a5a5an

/** Deterministic pseudo-random bytes. */
const randomBytes = (length: number, seed: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  let state = seed >>> 0
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    bytes[i] = state >>> 24
  }
  return bytes
}

const flipBit = (bytes: Uint8Array, bit: number) => {
  bytes[bit >> 3]! ^= 1 << (bit & 7)
}

/** Outcomes of looking up records `indices` of chapter `vcn`, all at once. */
const survey = (volume: Volume.Service, geometry: Geometry.Geometry, vcn: number, indices: ReadonlyArray<number>) => {
  const records = chapterRecords(geometry, vcn)
  return Effect.forEach(indices, (i) => outcomeOf(volume.lookup(recordAt(records, i).name, vcn), recordAt(records, i).data), {
    concurrency: "unbounded"
  })
}

/** Two records of every record page of a chapter. */
const spread = (geometry: Geometry.Geometry) =>
  Array.from({ length: geometry.recordPagesPerChapter * 2 }, (_, j) =>
    Math.floor(j / 2) * geometry.recordsPerPage + (j % 2 === 0 ? 3 : geometry.recordsPerPage - 5))

const pageOf = (bytes: Uint8Array, geometry: Geometry.Geometry, physicalChapter: number, pageInChapter: number) => {
  const { end, start } = pageBytes(geometry, physicalChapter, pageInChapter)
  return bytes.subarray(start, end)
}

describe("index page corruption", () => {
  // Chapters 0..19 on 16 physical chapters: 4..19 are live, 19 (the newest) in physical chapter 3.
  const geometry = smallGeometry
  const newest = 19
  const slot = 3

  // A page whose header claims the chapter (the volume's nonce, the chapter's
  // number) and is damaged is CorruptData; any other page means the chapter
  // is not on the volume, and its lookups find nothing.
  const corruptions: ReadonlyArray<readonly [string, (page: Uint8Array, image: Uint8Array) => void, "CorruptData" | "none"]> = [
    ["random bytes", (page) => page.set(randomBytes(page.length, 7)), "none"],
    ["a zeroed page", (page) => page.fill(0), "none"],
    ["a flipped nonce bit", (page) => flipBit(page, 5), "none"],
    ["a flipped virtual chapter bit (another physical chapter's number)", (page) => flipBit(page, 64), "none"],
    ["a flipped first-list bit", (page) => flipBit(page, 128), "CorruptData"],
    ["a flipped list-count bit", (page) => flipBit(page, 144), "CorruptData"],
    ["a flipped offset-table bit", (page) => flipBit(page, 160 + 3), "CorruptData"],
    ["a flipped guard bit", (page) => flipBit(page, page.length * 8 - 1), "CorruptData"],
    ["the index page of another chapter", (page, image) => page.set(pageOf(image, geometry, 5, 0)), "none"],
    ["the same chapter's index page from another volume (wrong nonce)", (page) =>
      page.set(ChapterIndex.pack(geometry, OTHER_NONCE, newest, chapterRecords(geometry, newest))[0]!), "none"]
  ]

  for (const [what, corrupt, outcome] of corruptions) {
    it.scoped(`${what}: ${outcome} for every lookup in the chapter, the chapter is bad for rebuild, all else is found`, () =>
      Effect.gen(function*() {
        const image = yield* volumeImage(geometry, 0, newest)
        corrupt(pageOf(image, geometry, slot, 0), image)
        const volume = yield* openMemoryVolume(geometry, image)
        const indices = spread(geometry)
        assert.deepStrictEqual(yield* survey(volume, geometry, newest, indices), indices.map(() => outcome))
        assert.strictEqual(yield* outcomeOf(volume.lookup(absentName(1), newest), new Uint8Array(16)), outcome)
        const rebuild = yield* Effect.either(volume.lookupForRebuild(recordAt(chapterRecords(geometry, newest), 0).name, newest))
        assert.isTrue(
          outcome === "none"
            ? rebuild._tag === "Right" && !rebuild.right
            : rebuild._tag === "Left" && rebuild.left._tag === "CorruptData"
        )
        for (let vcn = 4; vcn < newest; vcn++) {
          assert.deepStrictEqual(yield* survey(volume, geometry, vcn, [0, 500, 1023]), ["found", "found", "found"])
        }
        // The newest chapter is bad, so the one before it is the newest found.
        assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 4, highest: newest - 1, isEmpty: false })
      }))
  }

  it.scoped("a stale index page of the older chapter in the same physical chapter: lookups find nothing there, never old data", () =>
    Effect.gen(function*() {
      const image = yield* volumeImage(geometry, 0, newest)
      const old = newest - geometry.chaptersPerVolume
      pageOf(image, geometry, slot, 0).set(ChapterIndex.pack(geometry, NONCE, old, chapterRecords(geometry, old))[0]!)
      const volume = yield* openMemoryVolume(geometry, image)
      const indices = spread(geometry)
      // The page says chapter 3, so chapter 19 is not there; chapter 3's records are not on its record pages.
      assert.deepStrictEqual(yield* survey(volume, geometry, newest, indices), indices.map(() => "none"))
      assert.deepStrictEqual(yield* survey(volume, geometry, old, indices), indices.map(() => "none"))
      // Rebuild sees chapter 3 where 19 was: 3 is the oldest, 18 the newest.
      assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: old, highest: newest - 1, isEmpty: false })
    }))

  it.scoped("one of three index pages random: the chapter is not on the volume (its page map cannot load), its lookups find nothing", () =>
    Effect.gen(function*() {
      const g = threeIndexGeometry
      // Chapters 2..9 are live; 9, the newest, is in physical chapter 1.
      const image = yield* volumeImage(g, 0, 9)
      pageOf(image, g, 1, 1).set(randomBytes(g.bytesPerPage, 3))
      const volume = yield* openMemoryVolume(g, image)
      const indices = spread(g)
      assert.deepStrictEqual(yield* survey(volume, g, 9, indices), indices.map(() => "none"))
      assert.deepStrictEqual(yield* survey(volume, g, 8, indices), indices.map(() => "found"))
      const { data, name } = recordAt(chapterRecords(g, 9), 5)
      assert.strictEqual(yield* outcomeOf(lookupCachedUntilDone(volume, name, 9), data), "none")
      assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 2, highest: 8, isEmpty: false })
    }))

  it.scoped("corruption in what reads return is never cached: once reads are clean again the chapter is found", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 3))
      // A guard bit: the page still claims chapter 2, so it is damage (CorruptData), not absence.
      const { end } = pageBytes(geometry, 2, 0)
      yield* faults.corrupt({ flipBits: [end * 8 - 1] })
      const outcomes = yield* Effect.forEach([0, 1, 2], () => survey(volume, geometry, 2, [7]))
      assert.deepStrictEqual(outcomes, [["CorruptData"], ["CorruptData"], ["CorruptData"]])
      assert.strictEqual((yield* volume.stats).cachedPages, 0)
      // lookupCached gets the CorruptData of the read it queued, once.
      const { name } = recordAt(chapterRecords(geometry, 2), 7)
      const queued = yield* Effect.flip(volume.lookupCached(name, 2))
      assert.strictEqual(queued._tag, "Queued")
      if (queued._tag === "Queued") yield* queued.ready
      assert.strictEqual((yield* Effect.flip(volume.lookupCached(name, 2)))._tag, "CorruptData")
      yield* faults.clear
      assert.deepStrictEqual(yield* survey(volume, geometry, 2, [7, 8]), ["found", "found"])
    }))

  it.scoped("a flipped bit anywhere in the list data never gives a wrong answer", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 3))
      const { start } = pageBytes(geometry, 2, 0)
      const page = pageOf(yield* volumeImage(geometry, 0, 3), geometry, 2, 0)
      const listCount = page[18]! | (page[19]! << 8)
      const first = 160 + 19 * (listCount + 1)
      const end = listDataEndBit(page)
      const indices = Array.from({ length: 64 }, (_, j) => j * 16)
      const seen: Record<string, number> = {}
      for (let bit = first; bit < end; bit += 97) {
        yield* faults.corrupt({ flipBits: [start * 8 + bit] })
        yield* volume.forgetChapter(2)
        for (const outcome of yield* survey(volume, geometry, 2, indices)) seen[outcome] = (seen[outcome] ?? 0) + 1
        yield* faults.clear
      }
      assert.isUndefined(seen["wrong"], "no lookup returned another record's data")
      assert.deepStrictEqual(Object.keys(seen).filter((o) => !["found", "none", "CorruptData"].includes(o)), [])
      // Some flips break the page's structure (CorruptData); most only change a key or
      // a record page number, which loses names of that list: the format has no checksum.
      assert.isAbove(seen["CorruptData"] ?? 0, 0)
      assert.isAbove(seen["none"] ?? 0, 0)
    }))
})

describe("record page corruption", () => {
  // Chapter 19's record page 2 (physical chapter 3) is damaged.
  const geometry = smallGeometry
  const { indexPagesPerChapter, recordsPerPage } = geometry
  const newest = 19
  const damaged = Array.from({ length: recordsPerPage }, (_, slot) => 2 * recordsPerPage + slot)
  const untouched = [0, 100, 3 * recordsPerPage + 1, 1023]

  const corruptions: ReadonlyArray<readonly [string, (page: Uint8Array, image: Uint8Array) => void]> = [
    ["random bytes", (page) => page.set(randomBytes(page.length, 11))],
    ["a zeroed page", (page) => page.fill(0)],
    ["the record page of another chapter", (page, image) => page.set(pageOf(image, geometry, 5, indexPagesPerChapter + 2))],
    ["a record page of another volume", (page) =>
      page.set(RecordPage.encode(geometry, RecordGenerator.chapters(geometry, 99, 0, 0)[0]!.subarray(0, recordsPerPage * 32)))]
  ]

  for (const [what, corrupt] of corruptions) {
    it.scoped(`${what}: its records are not found, by lookup, lookupCached or rebuild lookups, and every other record is`, () =>
      Effect.gen(function*() {
        const image = yield* volumeImage(geometry, 0, newest)
        corrupt(pageOf(image, geometry, 3, indexPagesPerChapter + 2), image)
        const volume = yield* openMemoryVolume(geometry, image)
        assert.deepStrictEqual(yield* survey(volume, geometry, newest, damaged), damaged.map(() => "none"))
        assert.deepStrictEqual(yield* survey(volume, geometry, newest, untouched), untouched.map(() => "found"))
        const records = chapterRecords(geometry, newest)
        const cached = yield* volume.lookupCached(recordAt(records, damaged[9]!).name, newest)
        assert.isTrue(Option.isNone(cached))
        assert.isFalse(yield* volume.lookupForRebuild(recordAt(records, damaged[9]!).name, newest))
        // Record pages are not checked at rebuild: the chapter is still the newest.
        assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 4, highest: newest, isEmpty: false })
      }))
  }

  it.scoped("flipped name bits: the damaged record is not found, no record ever gets another's data", () =>
    Effect.gen(function*() {
      const image = yield* volumeImage(geometry, 0, newest)
      const { faults, volume } = yield* openFaultyVolume(geometry, image)
      const { start } = pageBytes(geometry, 3, indexPagesPerChapter + 2)
      const page = pageOf(image, geometry, 3, indexPagesPerChapter + 2)
      const records = chapterRecords(geometry, newest)
      const seen: Record<string, number> = {}
      const choices = randomBytes(2 * 60, 5)
      for (let run = 0; run < 60; run++) {
        const slot = choices[2 * run]! % recordsPerPage
        const bit = choices[2 * run + 1]! % 128
        yield* faults.corrupt({ flipBits: [(start + slot * 32) * 8 + bit] })
        yield* volume.forgetChapter(newest)
        const outcomes = yield* survey(volume, geometry, newest, damaged)
        yield* faults.clear
        // The record whose name was hit is gone; the rest are found or, when the
        // damaged name lies on their search path, not found.
        const name = page.subarray(slot * 32, slot * 32 + 16)
        const hit = damaged.findIndex((i) => Buffer.from(recordAt(records, i).name).equals(name))
        outcomes.forEach((outcome, j) => {
          seen[outcome] = (seen[outcome] ?? 0) + 1
          if (j === hit) assert.strictEqual(outcome, "none", `run ${run}: the damaged record`)
          else assert.include(["found", "none"], outcome, `run ${run}: record ${damaged[j]}`)
        })
      }
      assert.isAbove(seen["found"] ?? 0, seen["none"] ?? 0)
    }))
})
