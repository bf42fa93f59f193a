import { assert, describe, it } from "@effect/vitest"
import { Data, Effect, Either, FastCheck } from "effect"
import { ChapterBoundaries, Geometry } from "@effect-uds/volume"
import { geometryOf, readMeta, skipReason, vectorsPresent, volumeVectorNames } from "../support/vectors.js"

// A volume as the probe sees it: one entry per physical chapter, its VCN or undefined (bad).
type Chapters = ReadonlyArray<number | undefined>

// "B 1 2 B" -> [undefined, 1, 2, undefined]
const parse = (row: string): Chapters => row.split(" ").map((cell) => (cell === "B" ? undefined : Number(cell)))

// A probe over `chapters` that counts its calls per chapter; chapters past the list are bad
// (never written), and probing outside the volume is a test failure.
const prober = (chapters: Chapters, chaptersPerVolume: number = chapters.length) => {
  const calls = new Map<number, number>()
  const probe = (chapter: number) =>
    Effect.suspend(() => {
      if (!Number.isInteger(chapter) || chapter < 0 || chapter >= chaptersPerVolume) {
        return Effect.dieMessage(`probed chapter ${chapter} outside 0 .. ${chaptersPerVolume - 1}`)
      }
      calls.set(chapter, (calls.get(chapter) ?? 0) + 1)
      return Effect.succeed(chapters[chapter])
    })
  const total = () => [...calls.values()].reduce((sum, count) => sum + count, 0)
  return { probe, calls, total }
}

const plain = Effect.runSync(Geometry.make())
const reduced = (remappedPhysical: number) =>
  Effect.runSync(Geometry.make({
    bytesPerPage: 4096,
    recordPagesPerChapter: 2,
    chaptersPerVolume: 7,
    remappedVirtual: 8,
    remappedPhysical
  }))
const small = (chaptersPerVolume: number) =>
  Effect.runSync(Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 2, chaptersPerVolume }))

// The test vectors of volume.md §11.3: geometry, chapters, lowest, highest.
const specTable: ReadonlyArray<readonly [string, Geometry.Geometry, string, number, number]> = [
  ["plain", plain, "0 1 2 3", 0, 3],
  ["plain", plain, "B B 2 3 4", 2, 4],
  ["plain", plain, "B 1 2 3 B B", 1, 3],
  ["plain", plain, "10 11 12 13 B B B B 8 9", 8, 13],
  ["plain", plain, "10 11 12 13 14 15 6 7 8 9", 6, 15],
  ["plain", plain, "30 31 32 33 34 35 36 37 B B", 30, 37],
  ["plain", plain, "30 B B B B B B 27 28 29", 27, 30],
  ["plain", plain, "10 11 12 13 14 15 16 17 18 9", 9, 18],
  ["plain", plain, "10 1 2 3 4 5 6 7 8 9", 1, 10],
  ["RP=2", reduced(2), "9 10 8 4 5 6 7", 4, 10],
  ["RP=2", reduced(2), "9 10 8 B B 6 7", 6, 10],
  ["RP=2", reduced(2), "9 10 8 11 5 6 7", 5, 11],
  ["RP=2", reduced(2), "9 10 8 11 B B 7", 7, 11],
  ["RP=2", reduced(2), "9 10 8 11 12 6 7", 6, 12],
  ["RP=2", reduced(2), "9 10 8 11 12 B B", 8, 12],
  ["RP=2", reduced(2), "9 10 8 11 12 13 7", 7, 13],
  ["RP=2", reduced(2), "B 10 8 11 12 13 B", 10, 13],
  ["RP=2", reduced(2), "9 10 8 11 12 13 14", 8, 14],
  ["RP=2", reduced(2), "B B 8 11 12 13 14", 11, 14],
  ["RP=2", reduced(2), "15 10 8 11 12 13 14", 10, 15],
  ["RP=2", reduced(2), "15 16 8 11 12 13 14", 11, 16],
  ["RP=2", reduced(2), "15 16 B B 12 13 14", 12, 16],
  ["RP=2", reduced(2), "15 16 17 11 12 13 14", 11, 17],
  ["RP=2", reduced(2), "15 16 17 B B 13 14", 13, 17],
  ["RP=6", reduced(6), "9 10 11 12 13 14 8", 8, 14],
  ["RP=6", reduced(6), "B 10 11 12 13 14 8", 10, 14],
  ["RP=6", reduced(6), "15 16 11 12 13 14 8", 11, 16]
]

// A plain volume of `chaptersPerVolume` chapters after writing VCNs 0 .. written-1, then
// tearing the next `torn` chapters (a crash with unflushed writes); never-written chapters are
// bad. Returns the chapters and the true lowest and highest.
const simulate = (chaptersPerVolume: number, written: number, torn: number) => {
  const chapters: Array<number | undefined> = new Array(chaptersPerVolume).fill(undefined)
  for (let vcn = 0; vcn < written + torn; vcn++) {
    chapters[vcn % chaptersPerVolume] = vcn < written ? vcn : undefined
  }
  const good = chapters.filter((vcn): vcn is number => vcn !== undefined)
  return { chapters, lowest: Math.min(...good), highest: Math.max(...good), bad: chaptersPerVolume - good.length }
}

class DiskFailed extends Data.TaggedError("DiskFailed")<{ readonly chapter: number }> {}

describe("ChapterBoundaries", () => {
  describe("findLimits reproduces the test vectors of volume.md §11.3", () => {
    for (const [name, geometry, row, lowest, highest] of specTable) {
      it.effect(`${name}: ${row} -> lowest ${lowest}, highest ${highest}`, () =>
        Effect.gen(function*() {
          const chapters = parse(row)
          const { probe } = prober(chapters, geometry.chaptersPerVolume)
          const limits = yield* ChapterBoundaries.findLimits(geometry, chapters.length, probe)
          assert.deepStrictEqual(limits, { lowest, highest })
        }))
    }
  })

  // findEnd's growing backward steps jump from the never-written chapters of the 1024-chapter
  // volume straight to a bad chapter 0 when only a few good chapters follow it (next test).
  const farBehindBadZero = new Set(["B B 2 3 4", "B 1 2 3 B B"])

  describe("find agrees with the test vectors of volume.md §11.3 its end search can see", () => {
    for (const [name, geometry, row, lowest, highest] of specTable.filter(([, , row]) => !farBehindBadZero.has(row))) {
      it.effect(`${name}: ${row} (rest of the volume never written) -> ${lowest} .. ${highest}`, () =>
        Effect.gen(function*() {
          const { probe } = prober(parse(row), geometry.chaptersPerVolume)
          const boundaries = yield* ChapterBoundaries.find(geometry, probe)
          assert.deepStrictEqual(boundaries, { lowest, highest, isEmpty: false })
        }))
    }
  })

  describe.skipIf(!vectorsPresent)(`find agrees with the reference on every volume vector (${vectorsPresent ? "present" : skipReason})`, () => {
    for (const name of volumeVectorNames) {
      it.effect(`${name}: the boundaries of its meta.json from its physical chapters' VCNs`, () =>
        Effect.gen(function*() {
          const meta = readMeta(name)
          const chapters = meta.physical_chapter_vcn.map((vcn) => vcn ?? undefined)
          const { probe } = prober(chapters, meta.geometry.chapters_per_volume)
          const expected = meta.find_volume_chapter_boundaries
          assert.deepStrictEqual(yield* ChapterBoundaries.find(geometryOf(meta), probe), {
            lowest: expected.lowest,
            highest: expected.highest,
            isEmpty: expected.is_empty
          })
        }))
    }
  })

  describe("findLimits", () => {
    // name, geometry, chapter limit, chapters, lowest, highest
    const cases: ReadonlyArray<readonly [string, Geometry.Geometry, number, string, number, number]> = [
      ["skips bad chapters at the start of an unwrapped volume", small(8), 8, "B B B 3 4 5 6 7", 3, 7],
      ["skips a bad run in the middle of a wrapped volume", small(8), 8, "20 21 22 B B B 18 19", 18, 22],
      ["skips bad chapters at the end of the considered range", small(8), 8, "8 9 10 11 4 5 B B", 4, 11],
      ["finds the wrap point of a cleanly written wrapped volume", small(8), 8, "16 17 18 19 20 13 14 15", 13, 20],
      // C = 7, RV = 8, RP = 3: VCN 8 lives in physical chapter 3, VCNs 9 .. 11 in 0 .. 2.
      ["steps over a moved chapter in the middle that is not the oldest", reduced(3), 7, "9 10 11 8 5 6 7", 5, 11],
      ["returns a moved chapter in the middle as the lowest", reduced(3), 7, "9 10 11 8 12 13 14", 8, 14],
      ["returns a moved last chapter as the lowest", reduced(6), 7, "9 10 11 12 13 B 8", 8, 13],
      // Chapter 2 was overwritten since the conversion: there is no moved chapter any more.
      ["ignores the remapped chapter when it does not hold the remapped VCN", reduced(2), 7, "15 16 17 11 12 13 14", 11, 17],
      // The reference returns 2^64 - 1 as lowest here; the first good chapter after the run is the oldest.
      ["scans forward for the lowest chapter when the search wraps to a bad chapter 0", small(10), 10, "B 1 2 3 B B B B B B", 1, 3]
    ]
    for (const [name, geometry, limit, row, lowest, highest] of cases) {
      it.effect(`${name}: ${row} -> ${lowest} .. ${highest}`, () =>
        Effect.gen(function*() {
          const { calls, probe } = prober(parse(row), geometry.chaptersPerVolume)
          assert.deepStrictEqual(yield* ChapterBoundaries.findLimits(geometry, limit, probe), { lowest, highest })
          assert.isTrue([...calls.values()].every((count) => count === 1))
        }))
    }

    it.effect("considers only chapters below the limit", () =>
      Effect.gen(function*() {
        const { calls, probe } = prober(parse("0 1 2 3 4 99 99 99"))
        assert.deepStrictEqual(yield* ChapterBoundaries.findLimits(small(8), 5, probe), { lowest: 0, highest: 4 })
        assert.isTrue([...calls.keys()].every((chapter) => chapter < 5))
      }))

    it.effect("fails with CorruptData when every chapter is bad", () =>
      Effect.gen(function*() {
        const { probe } = prober(parse("B B B"))
        const error = yield* Effect.flip(ChapterBoundaries.findLimits(small(3), 3, probe))
        assert.strictEqual(error._tag, "CorruptData")
        assert.include(error.message, "too many bad chapters in volume")
      }))

    // Where the bad run lies, chapters written, chapters torn (1024 chapters; bad = torn, or 1024 - written).
    const runs: ReadonlyArray<readonly [string, number, number]> = [
      ["in the middle of a wrapped volume", 3000, 99],
      ["in the middle of a wrapped volume", 3000, 100],
      ["at the end of an unwrapped volume", 925, 0],
      ["at the end of an unwrapped volume", 924, 0]
    ]
    for (const [where, written, torn] of runs) {
      const { bad, chapters, highest, lowest } = simulate(1024, written, torn)
      const accepted = bad < ChapterBoundaries.MAX_BAD_CHAPTERS
      it.effect(
        accepted
          ? `skips ${bad} bad chapters ${where} to the newest one`
          : `fails with CorruptData naming the count for ${bad} bad chapters ${where}`,
        () =>
          Effect.gen(function*() {
            const result = yield* Effect.either(ChapterBoundaries.findLimits(plain, 1024, prober(chapters).probe))
            if (accepted) {
              assert.deepStrictEqual(result, Either.right({ lowest, highest }))
            } else {
              assert.isTrue(Either.isLeft(result) && result.left._tag === "CorruptData")
              assert.include(Either.isLeft(result) ? result.left.message : "", "too many bad chapters in volume: 100")
            }
          })
      )
    }

    it.effect("passes a probe's error on unchanged", () =>
      Effect.gen(function*() {
        // Chapter 4 is the binary search's first midpoint.
        const failure = new DiskFailed({ chapter: 4 })
        const probe = (chapter: number) => (chapter === 4 ? Effect.fail(failure) : Effect.succeed(chapter))
        const error = yield* Effect.flip(ChapterBoundaries.findLimits(small(8), 8, probe))
        assert.strictEqual(error, failure)
      }))

    it.effect("fails with InvalidArgument naming 1 .. chaptersPerVolume for a chapter limit outside it, probing nothing", () =>
      Effect.gen(function*() {
        const { probe, total } = prober(parse("0 1 2"))
        for (const limit of [0, 4, 1.5, -1, Number.NaN, "2" as unknown as number]) {
          const error = yield* Effect.flip(ChapterBoundaries.findLimits(small(3), limit, probe))
          assert.strictEqual(error._tag, "InvalidArgument", `limit ${String(limit)}`)
          assert.include(error.message, "chapterLimit must be an integer from 1 to 3")
        }
        assert.strictEqual(total(), 0)
      }))
  })

  describe("findEnd (volume.md §11.2)", () => {
    const cases: ReadonlyArray<readonly [string, (chapter: number) => boolean, number]> = [
      ["chapters 0..4 written -> 5", (chapter) => chapter < 5, 5],
      ["all chapters good -> 1024", () => true, 1024],
      ["all chapters bad -> 0", () => false, 0],
      ["chapters 0..4 and 8..9 good -> 10", (chapter) => chapter < 5 || chapter === 8 || chapter === 9, 10]
    ]
    for (const [name, good, expected] of cases) {
      it.effect(name, () =>
        Effect.gen(function*() {
          const chapters = Array.from({ length: 1024 }, (_, chapter) => (good(chapter) ? chapter : undefined))
          assert.strictEqual(yield* ChapterBoundaries.findEnd(plain, prober(chapters).probe), expected)
        }))
    }

    it.effect("passes a probe's error on unchanged", () =>
      Effect.gen(function*() {
        const failure = new DiskFailed({ chapter: 1023 })
        const error = yield* Effect.flip(ChapterBoundaries.findEnd(plain, () => Effect.fail(failure)))
        assert.strictEqual(error, failure)
      }))
  })

  describe("find", () => {
    for (const row of farBehindBadZero) {
      it.effect(`reports ${row} followed by never-written chapters as empty, as the reference does`, () =>
        Effect.gen(function*() {
          const { probe } = prober(parse(row), 1024)
          assert.strictEqual(yield* ChapterBoundaries.findEnd(plain, probe), 0)
          assert.deepStrictEqual(yield* ChapterBoundaries.find(plain, probe), { lowest: 0, highest: 0, isEmpty: true })
        }))
    }

    it.effect("reports a volume with no good chapter as empty", () =>
      Effect.gen(function*() {
        const { probe } = prober([], 1024)
        assert.deepStrictEqual(yield* ChapterBoundaries.find(plain, probe), { lowest: 0, highest: 0, isEmpty: true })
      }))

    it.effect("probes each chapter at most once and about log2(C) chapters in all for a full volume", () =>
      Effect.gen(function*() {
        const { chapters, highest, lowest } = simulate(1024, 5000, 0)
        const { calls, probe, total } = prober(chapters)
        assert.deepStrictEqual(yield* ChapterBoundaries.find(plain, probe), { lowest, highest, isEmpty: false })
        assert.isTrue([...calls.values()].every((count) => count === 1))
        assert.isAtMost(total(), 12)
      }))

    it.effect("memoises per run, so running the effect twice probes again", () =>
      Effect.gen(function*() {
        const { probe, total } = prober(simulate(64, 100, 0).chapters)
        const search = ChapterBoundaries.find(small(64), probe)
        yield* search
        const once = total()
        yield* search
        assert.strictEqual(total(), 2 * once)
      }))

    it.effect("passes a probe's error on unchanged", () =>
      Effect.gen(function*() {
        const failure = new DiskFailed({ chapter: 0 })
        const probe = (chapter: number) => (chapter === 0 ? Effect.fail(failure) : Effect.succeed(chapter))
        assert.strictEqual(yield* Effect.flip(ChapterBoundaries.find(small(8), probe)), failure)
      }))
  })

  // Volumes the algorithm is built for: VCNs 0 .. n-1 written round the circle, then a crash
  // tore the next chapters, so the bad chapters form one run right after the newest one.
  const volumes = FastCheck.integer({ min: 1, max: 600 }).chain((chaptersPerVolume) =>
    FastCheck.record({
      chaptersPerVolume: FastCheck.constant(chaptersPerVolume),
      written: FastCheck.integer({ min: 1, max: 3 * chaptersPerVolume }),
      torn: FastCheck.integer({ min: 0, max: Math.min(chaptersPerVolume - 1, 99) })
    })
  ).map(({ chaptersPerVolume, torn, written }) => ({ chaptersPerVolume, ...simulate(chaptersPerVolume, written, torn) }))
    .filter(({ bad }) => bad < ChapterBoundaries.MAX_BAD_CHAPTERS)

  const log2 = (n: number) => Math.ceil(Math.log2(Math.max(n, 2)))

  it.effect.prop("findLimits over the whole volume returns the true lowest and highest", [volumes], ([volume]) =>
    Effect.gen(function*() {
      const { probe, total } = prober(volume.chapters)
      const limits = yield* ChapterBoundaries.findLimits(small(volume.chaptersPerVolume), volume.chaptersPerVolume, probe)
      assert.deepStrictEqual(limits, { lowest: volume.lowest, highest: volume.highest })
      assert.isAtMost(total(), 2 * log2(volume.chaptersPerVolume) + 2 * volume.bad + 4)
    }), { fastCheck: { numRuns: 200 } })

  // findEnd searches backward with doubling steps: it assumes more good chapters than bad ones,
  // or a jump could clear the good chapters entirely.
  it.effect.prop(
    "find returns the true lowest and highest in O(log C) probes",
    [volumes.filter(({ bad, chaptersPerVolume }) => 2 * bad <= chaptersPerVolume)],
    ([volume]) =>
      Effect.gen(function*() {
        const { calls, probe, total } = prober(volume.chapters)
        const boundaries = yield* ChapterBoundaries.find(small(volume.chaptersPerVolume), probe)
        assert.deepStrictEqual(boundaries, { lowest: volume.lowest, highest: volume.highest, isEmpty: false })
        assert.isTrue([...calls.values()].every((count) => count === 1))
        assert.isAtMost(total(), 4 * log2(volume.chaptersPerVolume) + 4 + volume.bad)
      }),
    { fastCheck: { numRuns: 200 } }
  )
})

describe("ChapterBoundaries with a probe that answers directly", () => {
  // The same chapters behind three probes: Effects only, plain answers only, and the two
  // alternating (as a volume answers from its cache or waits for a read).
  const probesOver = (chapters: Chapters) => {
    const order: Array<number> = []
    const record = (chapter: number): number => {
      order.push(chapter)
      return chapter
    }
    const answer: ChapterBoundaries.Probe<never, never> = (chapter) => chapters[record(chapter)]
    const mixed: ChapterBoundaries.Probe<never, never> = (chapter) =>
      chapter % 2 === 0 ? chapters[record(chapter)] : Effect.sync(() => chapters[record(chapter)])
    return { order, direct: answer, mixed }
  }

  it.effect.prop(
    "find gives the same boundaries after the same probes, answered directly or not",
    [FastCheck.integer({ min: 1, max: 300 }), FastCheck.integer({ min: 0, max: 900 }), FastCheck.integer({ min: 0, max: 20 })],
    ([chaptersPerVolume, written, torn]) =>
      Effect.gen(function*() {
        const { chapters } = simulate(chaptersPerVolume, written, Math.min(torn, chaptersPerVolume - 1))
        const geometry = small(chaptersPerVolume)
        const viaEffects = prober(chapters)
        const expected = yield* Effect.either(ChapterBoundaries.find(geometry, viaEffects.probe))
        const direct = probesOver(chapters)
        const mixed = probesOver(chapters)
        assert.deepStrictEqual(yield* Effect.either(ChapterBoundaries.find(geometry, direct.direct)), expected)
        assert.deepStrictEqual(yield* Effect.either(ChapterBoundaries.find(geometry, mixed.mixed)), expected)
        assert.deepStrictEqual(direct.order, mixed.order)
        assert.strictEqual(direct.order.length, viaEffects.total())
      }),
    { fastCheck: { numRuns: 200 } }
  )

  it("runs synchronously when every probe answers directly", () => {
    const { chapters, highest, lowest } = simulate(1024, 1500, 0)
    const { direct } = probesOver(chapters)
    assert.deepStrictEqual(Effect.runSync(ChapterBoundaries.find(plain, direct)), { lowest, highest, isEmpty: false })
  })
})
