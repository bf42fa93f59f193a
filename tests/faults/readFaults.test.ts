// Read errors injected with BlockDevice.layerFaulty: the IoError reaches
// exactly the requests that needed the failed read, nothing bad is cached,
// and the volume keeps serving every other page.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { BlockDevice, type Volume } from "@effect-uds/volume"
import { onPage, openFaultyVolume, type Outcome, outcomeOf, threeIndexGeometry, volumeImage } from "../support/faults.js"
import { absentName, chapterRecords, recordAt, smallGeometry } from "../support/volumes.js"

const geometry = smallGeometry
const { indexPagesPerChapter, recordsPerPage } = geometry

/** A lookup of record `i` of chapter `vcn`, classified. */
const lookupOutcome = (volume: Volume.Service, vcn: number, i: number, g = geometry) => {
  const { data, name } = recordAt(chapterRecords(g, vcn), i)
  return outcomeOf(volume.lookup(name, vcn), data)
}

/**
 * Runs `effects` concurrently while reads matching `when` hang, so that
 * every request for such a page joins its one read; once they have all
 * started and a read hangs, lets the reads go on and returns the results.
 */
const whileReadsHang = <A>(
  faults: BlockDevice.FaultControlService,
  when: (offset: number, length: number) => boolean,
  effects: ReadonlyArray<Effect.Effect<A>>
) =>
  Effect.gen(function*() {
    yield* faults.hang({ operation: "read", when })
    let started = 0
    const fiber = yield* Effect.fork(Effect.forEach(effects, (effect) =>
      Effect.suspend(() => {
        started++
        return effect
      }), { concurrency: "unbounded" }))
    while (started < effects.length || (yield* faults.hanging) === 0) yield* Effect.yieldNow()
    // Fibers the requests forked themselves run before this one resumes.
    for (let i = 0; i < 10; i++) yield* Effect.yieldNow()
    yield* faults.release
    return yield* Fiber.join(fiber)
  })

/** lookupCached once, classified; on Queued, also waits for `ready`. */
const cachedOutcome = (volume: Volume.Service, vcn: number, i: number): Effect.Effect<Outcome> => {
  const { data, name } = recordAt(chapterRecords(geometry, vcn), i)
  return outcomeOf(
    Effect.catchTag(volume.lookupCached(name, vcn), "Queued", (queued) => Effect.zipRight(queued.ready, Effect.fail(queued))),
    data
  )
}

const repeat = <A>(times: number, value: A): Array<A> => Array.from({ length: times }, () => value)

describe("read faults", () => {
  it.scoped("a single failed index page read fails every lookup waiting for it, and only those", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 3))
      const failing = onPage(geometry, 1, 0)
      yield* faults.fail({ operation: "read", times: 1, when: failing })
      const wanted = Array.from({ length: 4 * 64 }, (_, j) => ({ vcn: j % 4, i: (j * 17) % geometry.recordsPerChapter }))
      // Every chapter 1 lookup joins the failing read.
      const outcomes = yield* whileReadsHang(faults, failing, wanted.map(({ i, vcn }) => lookupOutcome(volume, vcn, i)))
      assert.deepStrictEqual(outcomes, wanted.map(({ vcn }) => vcn === 1 ? "IoError" : "found"))
      assert.strictEqual((yield* volume.stats).readFailures, 1)
      // Nothing of the failure stays behind: the page is read again and serves every lookup.
      const again = yield* Effect.forEach(wanted, ({ i, vcn }) => lookupOutcome(volume, vcn, i), { concurrency: "unbounded" })
      assert.deepStrictEqual(again, wanted.map(() => "found"))
    }))

  it.scoped("a record page failing three times fails three lookups in a row, never evicts a cached page, then reads fine", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 0), { cacheChapters: 1 })
      // Fill the cache (8 slots) with the index page and record pages 0..6 of chapter 0.
      for (let page = 0; page < 7; page++) assert.strictEqual(yield* lookupOutcome(volume, 0, page * recordsPerPage), "found")
      const before = yield* volume.stats
      assert.strictEqual(before.cachedPages, 8)
      yield* faults.fail({ operation: "read", times: 3, when: onPage(geometry, 0, indexPagesPerChapter + 7) })
      const outcomes: Array<Outcome> = []
      for (let attempt = 0; attempt < 3; attempt++) {
        outcomes.push(yield* lookupOutcome(volume, 0, 7 * recordsPerPage + attempt))
        outcomes.push(yield* lookupOutcome(volume, 0, attempt * recordsPerPage + 1))
      }
      assert.deepStrictEqual(outcomes, ["IoError", "found", "IoError", "found", "IoError", "found"])
      const after = yield* volume.stats
      assert.strictEqual(after.readFailures, 3)
      assert.strictEqual(after.evictions, before.evictions, "a failed read evicts nothing")
      assert.strictEqual(after.cachedPages, 8)
      assert.strictEqual(yield* lookupOutcome(volume, 0, 7 * recordsPerPage + 5), "found")
    }))

  it.scoped("an index page that always fails fails every lookup there, each with a fresh read, until the fault is cleared", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 3))
      yield* faults.fail({ operation: "read", when: onPage(geometry, 2, 0) })
      const outcomes = yield* Effect.forEach([2, 0, 2, 3, 2, 1], (vcn) => lookupOutcome(volume, vcn, 99))
      assert.deepStrictEqual(outcomes, ["IoError", "found", "IoError", "found", "IoError", "found"])
      assert.strictEqual((yield* volume.stats).readFailures, 3)
      yield* faults.clear
      assert.strictEqual(yield* lookupOutcome(volume, 2, 99), "found")
    }))

  it.scoped("lookupCached: a failed read reaches the request that queued it as IoError, then a new request reads again", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 1))
      assert.strictEqual(yield* lookupOutcome(volume, 0, 0), "found")
      yield* faults.fail({ operation: "read", times: 1, when: onPage(geometry, 0, indexPagesPerChapter + 3) })
      const record = 3 * recordsPerPage + 10
      const outcomes = yield* Effect.forEach([0, 1, 2, 3], () => cachedOutcome(volume, 0, record))
      assert.deepStrictEqual(outcomes, ["Queued", "IoError", "Queued", "found"])
    }))

  it.scoped("lookupCached: concurrent requests queued on a failing page each get IoError once; a request for another page is served", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 1))
      assert.strictEqual(yield* lookupOutcome(volume, 1, 0), "found")
      const failingPage = onPage(geometry, 1, indexPagesPerChapter + 5)
      yield* faults.fail({ operation: "read", when: failingPage })
      const failing = Array.from({ length: 20 }, (_, j) => 5 * recordsPerPage + j)
      const others = Array.from({ length: 20 }, (_, j) => 6 * recordsPerPage + j)
      const twice = (i: number) => Effect.zip(cachedOutcome(volume, 1, i), cachedOutcome(volume, 1, i))
      const outcomes = yield* whileReadsHang(faults, failingPage, [...failing, ...others].map(twice))
      assert.deepStrictEqual(outcomes, [
        ...repeat(failing.length, ["Queued", "IoError"]),
        ...repeat(others.length, ["Queued", "found"])
      ])
      assert.strictEqual((yield* volume.stats).readFailures, 1)
      // A page that always fails never makes a request retry forever: Queued, IoError, each time.
      assert.deepStrictEqual(yield* Effect.forEach([0, 1, 2, 3], () => cachedOutcome(volume, 1, failing[0]!)), [
        "Queued", "IoError", "Queued", "IoError"
      ])
    }))

  it.scoped("lookupCached queues its read at once: the read happens even if ready is never awaited", () =>
    Effect.gen(function*() {
      const { volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 0))
      const { data, name } = recordAt(chapterRecords(geometry, 0), 42)
      const queued = yield* Effect.flip(volume.lookupCached(name, 0))
      assert.strictEqual(queued._tag, "Queued")
      assert.strictEqual((yield* volume.stats).readsQueued, 1)
      // Another request for the same page waits on the same read.
      const waited = yield* volume.lookup(name, 0)
      assert.deepStrictEqual(Option.getOrThrow(waited), data.slice())
      assert.strictEqual((yield* volume.stats).pagesRead, 2)
    }))

  it.scoped("lookupForRebuild: a failed read is IoError for exactly the names on that page", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 2))
      const records = chapterRecords(geometry, 2)
      assert.isTrue(yield* volume.lookupForRebuild(recordAt(records, 0).name, 2))
      const failing = onPage(geometry, 2, indexPagesPerChapter + 1)
      yield* faults.fail({ operation: "read", times: 1, when: failing })
      const wanted = Array.from({ length: geometry.recordPagesPerChapter * 4 }, (_, j) => j * 32 + 3)
      const rebuild = (name: Uint8Array) =>
        Effect.match(volume.lookupForRebuild(name, 2), { onFailure: (error) => error._tag, onSuccess: String })
      // Every lookup of a name on record page 1 joins its failing read.
      const outcomes = yield* whileReadsHang(faults, failing, wanted.map((i) => rebuild(recordAt(records, i).name)))
      assert.deepStrictEqual(outcomes, wanted.map((i) => Math.floor(i / recordsPerPage) === 1 ? "IoError" : "true"))
      assert.deepStrictEqual(yield* Effect.forEach([recordAt(records, recordsPerPage).name, absentName(1)], rebuild), [
        "true",
        "false"
      ])
    }))

  it.scoped("findChapterBoundaries fails with IoError on a failed probe read, keeps lookups elsewhere served, and succeeds once reads do", () =>
    Effect.gen(function*() {
      const { faults, volume } = yield* openFaultyVolume(geometry, yield* volumeImage(geometry, 0, 3))
      // Chapter 0 is always probed (the search starts from its virtual chapter).
      yield* faults.fail({ operation: "read", times: 2, when: onPage(geometry, 0, 0) })
      const first = yield* Effect.either(volume.findChapterBoundaries)
      assert.isTrue(first._tag === "Left" && first.left._tag === "IoError")
      assert.deepStrictEqual(yield* Effect.forEach([1, 2, 3], (vcn) => lookupOutcome(volume, vcn, 500)), ["found", "found", "found"])
      const second = yield* Effect.either(volume.findChapterBoundaries)
      assert.isTrue(second._tag === "Left" && second.left._tag === "IoError")
      assert.deepStrictEqual(yield* volume.findChapterBoundaries, { lowest: 0, highest: 3, isEmpty: false })
      assert.strictEqual(yield* lookupOutcome(volume, 0, 500), "found")
    }))

  it.scoped("a failed read of one of several index pages fails the lookups that need the chapter's page map, then the map loads", () =>
    Effect.gen(function*() {
      const g = threeIndexGeometry
      const { faults, volume } = yield* openFaultyVolume(g, yield* volumeImage(g, 0, 2))
      const failing = onPage(g, 1, 2)
      yield* faults.fail({ operation: "read", times: 1, when: failing })
      const wanted = Array.from({ length: 60 }, (_, j) => ({ vcn: j % 3, i: j * 11 }))
      // Every chapter 1 lookup needs the chapter's map, so joins the failing read.
      const outcomes = yield* whileReadsHang(faults, failing, wanted.map(({ i, vcn }) => lookupOutcome(volume, vcn, i, g)))
      assert.deepStrictEqual(outcomes, wanted.map(({ vcn }) => vcn === 1 ? "IoError" : "found"))
      const again = yield* Effect.forEach(wanted, ({ i, vcn }) => lookupOutcome(volume, vcn, i, g), { concurrency: "unbounded" })
      assert.deepStrictEqual(again, wanted.map(() => "found"))
    }))

  it.scoped("lookupCached: a failed read of one of several index pages reaches the request, then the chapter's map loads from the pages read", () =>
    Effect.gen(function*() {
      const g = threeIndexGeometry
      const { faults, volume } = yield* openFaultyVolume(g, yield* volumeImage(g, 0, 2))
      yield* faults.fail({ operation: "read", times: 1, when: onPage(g, 1, 2) })
      const { data, name } = recordAt(chapterRecords(g, 1), 300)
      const step = outcomeOf(
        Effect.catchTag(volume.lookupCached(name, 1), "Queued", (queued) => Effect.zipRight(queued.ready, Effect.fail(queued))),
        data
      )
      // The map's pages, failing; the map's pages again; the record page; the answer.
      assert.deepStrictEqual(yield* Effect.forEach([0, 1, 2, 3, 4], () => step), ["Queued", "IoError", "Queued", "Queued", "found"])
    }))
})
