// Load: many concurrent lookups through a tiny cache over a device with
// latency, while chapters are forgotten and rewritten; and the read queue at
// its capacity. Every answer is checked. Names repeat across chapters with
// other data, as dedup writes them. Sized to finish with wide margins on a
// busy 2-core machine, yielding to the event loop regularly so vitest's
// worker stays responsive. UDS_SOAK=1 adds a long soak run.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Option } from "effect"
import { BlockDevice, Geometry, ReadQueue, Volume } from "@effect-uds/volume"
import {
  faultyVolumeLayer, lookupCachedUntilDone, type Outcome, outcomeOf, threeIndexGeometry, volumeImage
} from "../support/faults.js"
import { absentName, chapterRecords, memoryVolume, recordAt, smallGeometry } from "../support/volumes.js"
import { dedupChapter, isShared, mix, SHARE, yieldToEventLoop } from "./dedupRecords.js"

const soak = process.env["UDS_SOAK"] === "1"

// 32 records a page, 8 record pages a chapter, 16 chapters.
const geometry = Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 8, chaptersPerVolume: 16 }))
const { chaptersPerVolume, recordsPerChapter } = geometry
const STABLE_FIRST = 8 // chapters 8..15 are never rewritten
const CHURN_SLOTS = 8 // physical chapters 0..7 are rewritten over and over

/** The virtual chapter of round `round` in churn slot `slot`: 0..7, then 16..23, 32..39, ... */
const churnChapter = (round: number, slot: number) => round * chaptersPerVolume + slot

/** The records of a chapter: a quarter of its names are in every chapter, with this chapter's data. */
const recordsOf = (vcn: number) => dedupChapter(geometry, vcn)

/** A volume image holding chapters 0..15 of recordsOf. */
const loadImage = Effect.suspend(() => {
  const bytes = new Uint8Array(geometry.bytesPerVolume)
  return Effect.scoped(Effect.gen(function*() {
    const volume = yield* Volume.Volume
    for (let vcn = 0; vcn < chaptersPerVolume; vcn++) yield* volume.writeChapter(vcn, recordsOf(vcn))
  }).pipe(Effect.provide(memoryVolume(geometry, bytes)))).pipe(Effect.orDie, Effect.as(bytes))
})

// Lookups and chapter writes between two turns of the event loop.
const LOOKUPS_PER_TURN = 8

// Generous: the suite must pass on a loaded 2-core machine.
const STRESS_TIMEOUT = 300_000

interface LoadResult {
  readonly lookups: number
  readonly outcomes: Record<string, number>
  readonly violations: Array<string>
  readonly rounds: number
  /** Lookups of a chapter that was on the volume all the time they ran. */
  readonly mustFind: number
  /** Lookups of a name every chapter holds, found with their own chapter's data. */
  readonly sharedFound: number
}

/**
 * `fibers` fibers each run `perFiber` lookups one after another (lookup, or
 * lookupCached retried after `ready`), through a one-chapter cache over a
 * device that delays one read in ten by a millisecond, while another fiber
 * rewrites churn chapters until they are done.
 */
const loadRun = (fibers: number, perFiber: number) =>
  Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(faultyVolumeLayer(geometry, yield* loadImage, { cacheChapters: 1 }))
    const volume = Context.get(context, Volume.Volume)
    const faults = Context.get(context, BlockDevice.FaultControl)
    let reads = 0
    yield* faults.delay({ operation: "read", duration: "1 millis", when: () => ++reads % 10 === 0 })
    yield* faults.delay({ operation: "write", duration: "1 millis" })

    // Logical time: one tick per write start, write end and forget, so a lookup
    // can tell whether its chapter was surely on the volume the whole time it ran.
    let clock = 0
    const writtenAt = new Map<number, number>()
    const forgottenAt = new Map<number, number>()
    for (let vcn = 0; vcn < chaptersPerVolume; vcn++) writtenAt.set(vcn, 0)
    let round = 0
    let running = true

    const rewrite = Effect.gen(function*() {
      while (running) {
        round++
        for (let slot = 0; slot < CHURN_SLOTS && running; slot++) {
          const vcn = churnChapter(round, slot)
          const old = vcn - chaptersPerVolume
          forgottenAt.set(old, ++clock)
          yield* volume.forgetChapter(old)
          const records = recordsOf(vcn)
          clock++
          yield* volume.writeChapter(vcn, records)
          writtenAt.set(vcn, ++clock)
          yield* yieldToEventLoop
        }
      }
    })

    const outcomes: Record<string, number> = {}
    let mustFind = 0
    let sharedFound = 0
    const violations: Array<string> = []

    const one = (n: number) => {
      const r = mix(n)
      const kind = r % 100
      // One lookup in five asks for a name every chapter holds.
      const i = kind >= 80 ? SHARE * ((r >>> 8) % (recordsPerChapter / SHARE)) : (r >>> 8) % recordsPerChapter
      const useCached = (r >>> 20) % 8 === 0
      let vcn: number
      let name: Uint8Array
      let data: Uint8Array
      if (kind < 10) {
        vcn = (r >>> 4) % chaptersPerVolume
        name = absentName(r % 1000)
        data = new Uint8Array(16)
      } else {
        // Half stable chapters, half churn chapters written so far or about to be.
        vcn = kind < 55
          ? STABLE_FIRST + (r >>> 4) % (chaptersPerVolume - STABLE_FIRST)
          : churnChapter((r >>> 12) % (round + 2), (r >>> 4) % CHURN_SLOTS)
        ;({ data, name } = recordAt(recordsOf(vcn), i))
      }
      const started = clock
      // A request Queued a thousand times would be starving.
      const lookup = useCached ? lookupCachedUntilDone(volume, name, vcn, 1000) : volume.lookup(name, vcn)
      return Effect.map(outcomeOf(lookup, data), (outcome) => {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
        const written = writtenAt.get(vcn)
        const forgotten = forgottenAt.get(vcn)
        const surelyThere = written !== undefined && written <= started && (forgotten === undefined || forgotten > clock)
        if (kind >= 10 && surelyThere) mustFind++
        if (kind >= 10 && outcome === "found" && isShared(geometry, i)) sharedFound++
        const expected: ReadonlyArray<Outcome> = kind < 10 ? ["none"] : surelyThere ? ["found"] : ["found", "none"]
        if (!expected.includes(outcome) && violations.length < 20) {
          violations.push(`lookup ${n} of ${kind < 10 ? "an absent name" : `record ${i}`} in chapter ${vcn}: ${outcome}`)
        }
      })
    }

    const writer = yield* Effect.fork(rewrite)
    yield* Effect.forEach(Array.from({ length: fibers }, (_, f) => f), (f) =>
      Effect.forEach(Array.from({ length: perFiber }, (_, j) => f * perFiber + j), (n) =>
        n % LOOKUPS_PER_TURN === 0 ? Effect.zipRight(yieldToEventLoop, one(n)) : one(n), { discard: true }), {
      concurrency: "unbounded",
      discard: true
    })
    running = false
    yield* Fiber.join(writer)
    return { lookups: fibers * perFiber, outcomes, violations, rounds: round, mustFind, sharedFound } satisfies LoadResult
  }))

const assertLoad = (result: LoadResult, lookups: number) => {
  assert.deepStrictEqual(result.violations, [])
  assert.isUndefined(result.outcomes["wrong"], "no lookup gave another record's data")
  const total = Object.values(result.outcomes).reduce((a, b) => a + b, 0)
  assert.strictEqual(total, lookups, "every lookup finished")
  assert.isAbove(result.rounds, 1, "chapters were rewritten during the lookups")
  // At least the stable chapters' records (45% of the lookups) had to be found, and were.
  assert.isAtLeast(result.mustFind, lookups * 0.4)
  assert.isAtLeast(result.outcomes["found"] ?? 0, result.mustFind)
  // Names that every chapter holds were found, each with the data of the chapter asked for.
  assert.isAbove(result.sharedFound, lookups * 0.05)
}

describe("Volume under load", () => {
  it.live("25,000 lookups from 64 fibers through an 8-page cache, names repeating across chapters, while chapters are rewritten: no wrong answer, all finish", () =>
    Effect.gen(function*() {
      assertLoad(yield* loadRun(64, 400), 25_600)
    }), STRESS_TIMEOUT)

  it.live("more distinct pages than the read queue holds, while reads hang: exactly its capacity is queued, the rest wait, all arrive intact", () =>
    Effect.scoped(Effect.gen(function*() {
      // 5 chapters of 1024 record pages of 256 bytes: more than 5000 distinct record pages.
      const g = yield* Geometry.make({ bytesPerPage: 256, recordPagesPerChapter: 1024, chaptersPerVolume: 5 })
      const bytes = new Uint8Array(g.bytesPerVolume)
      for (let i = 0; i < bytes.length; i += 4) new DataView(bytes.buffer).setUint32(i, mix(i))
      const context = yield* Layer.build(faultyVolumeLayer(g, bytes, { cacheChapters: 1 }))
      const volume = Context.get(context, Volume.Volume)
      const faults = Context.get(context, BlockDevice.FaultControl)
      yield* faults.hang({ operation: "read" })
      const pages = Array.from({ length: 5 * 1024 }, (_, j) => ({ chapter: j >> 10, page: g.indexPagesPerChapter + (j & 1023) }))
      const fiber = yield* Effect.fork(Effect.forEach(pages, ({ chapter, page }) => volume.getPage(chapter, page), {
        concurrency: "unbounded"
      }))
      const capacity = ReadQueue.DEFAULT_CAPACITY
      while ((yield* volume.stats).queueFullWaits < pages.length - capacity) yield* yieldToEventLoop
      const held = yield* volume.stats
      assert.strictEqual(held.readsQueued, capacity, "the queue holds exactly its capacity")
      assert.strictEqual(held.queueFullWaits, pages.length - capacity, "every other request waits for room")
      yield* faults.release
      const results = yield* Fiber.join(fiber)
      results.forEach((result, j) => {
        const { chapter, page } = pages[j]!
        const start = (1 + chapter * g.pagesPerChapter + page) * g.bytesPerPage
        assert.isTrue(Buffer.from(result).equals(Buffer.from(bytes.subarray(start, start + g.bytesPerPage))), `page ${j}`)
      })
      assert.strictEqual((yield* volume.stats).readsQueued, pages.length)
    })), STRESS_TIMEOUT)
})

describe("lookupCached under cache pressure", () => {
  // Every page it waited for is evicted before each retry: without holding on
  // to them the request would be Queued again forever.
  // Queued twice: for the index page (or all of a chapter's index pages, to
  // learn its page map), then for the record page.
  for (const [label, g] of [["one index page", smallGeometry], ["three index pages", threeIndexGeometry]] as const) {
    it.scoped(`a request whose pages are evicted between ready and every retry still completes (${label})`, () =>
      Effect.gen(function*() {
        const context = yield* Layer.build(faultyVolumeLayer(g, yield* volumeImage(g, 0, 2), { cacheChapters: 1 }))
        const volume = Context.get(context, Volume.Volume)
        const { data, name } = recordAt(chapterRecords(g, 1), 77)
        // Reads every record page of chapters 0 and 2: enough to evict every cached page.
        const evictAll = Effect.forEach([0, 2], (vcn) =>
          Effect.forEach(Array.from({ length: g.recordPagesPerChapter }, (_, p) => p), (p) =>
            volume.lookup(recordAt(chapterRecords(g, vcn), p * g.recordsPerPage).name, vcn)), { discard: true })
        const steps: Array<string> = []
        for (let attempt = 0; attempt < 6 && steps.at(-1) !== "found"; attempt++) {
          const result = yield* Effect.either(volume.lookupCached(name, 1))
          if (result._tag === "Right") {
            steps.push(Option.isSome(result.right) && Buffer.from(result.right.value).equals(Buffer.from(data)) ? "found" : "wrong")
          } else {
            steps.push(result.left._tag)
            if (result.left._tag === "Queued") yield* result.left.ready
            yield* evictAll
          }
        }
        assert.deepStrictEqual(steps, ["Queued", "Queued", "found"])
      }))
  }
})

// The soak is registered only when asked for (UDS_SOAK=1 pnpm test), so a normal run has nothing skipped.
if (soak) {
  describe("Volume soak", () => {
    it.live("2,000,000 lookups from 256 fibers while chapters are rewritten: no wrong answer, all finish", () =>
      Effect.gen(function*() {
        const result = yield* loadRun(256, 7813)
        assertLoad(result, 256 * 7813)
      }), 30 * 60_000)
  })
}
