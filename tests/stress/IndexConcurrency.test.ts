import { assert, describe, it } from "@effect/vitest"
import type { Index } from "@effect-uds/index"
import { Effect, Option } from "effect"
import { dataOf, deviceBytes, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

// 64 fibers post 500,000 distinct seed-1 names between them into a tiny index (4 chapters of 32,768
// records), so chapters close and expire all the while; each also queries and re-posts names it
// posted a little earlier. Every answer is checked against what the generator says it must be.
const NAMES = Number(process.env["UDS_STRESS_NAMES"] ?? 500_000)
const FIBERS = 64
const names = seedNames(NAMES)

const dataValue = (result: Index.Result): number =>
  Option.isSome(result.oldData) ? new DataView(result.oldData.value.buffer).getUint32(0, true) : -1

/** Fiber f's work: names f, f + 64, f + 128, … */
const worker = (index: Index.Service, f: number, wrong: Array<string>, tally: { old: number; oldFound: number }) =>
  Effect.gen(function*() {
    const expect = (what: string, k: number, result: Index.Result, found: boolean) => {
      if (result.found !== found || (found && dataValue(result) !== k)) {
        wrong.push(`${what} ${k}: found ${result.found}, data ${dataValue(result)}`)
      }
    }
    for (let i = 0, k = f; k < NAMES; i++, k += FIBERS) {
      expect("post", k, yield* index.post(nameAt(names, k), dataOf(k)), false)
      // A name this fiber posted 4 rounds ago is recent: found with its data.
      if (i % 4 === 3 && i >= 4) expect("query", k - 4 * FIBERS, yield* index.query(nameAt(names, k - 4 * FIBERS)), true)
      // Posting it again (dedup) finds it and keeps the old data.
      if (i % 8 === 7 && i >= 8) expect("repost", k - 8 * FIBERS, yield* index.post(nameAt(names, k - 8 * FIBERS), dataOf(0)), true)
      // A long-gone name may have expired; if found, only with its own data.
      if (i % 16 === 15 && k >= 200_000) {
        const old = k - 200_000
        const result = yield* index.queryNoUpdate(nameAt(names, old))
        tally.old++
        if (result.found) {
          tally.oldFound++
          if (dataValue(result) !== old) wrong.push(`old ${old}: data ${dataValue(result)}`)
        }
      }
    }
  })

describe("Index under concurrent requests", () => {
  for (const zones of [1, 2, 4]) {
    it.effect(`${FIBERS} fibers, ${NAMES} names, ${zones} zone${zones > 1 ? "s" : ""}: only correct answers`, () =>
      Effect.gen(function*() {
        const config = tinyConfig({ zones })
        const wrong: Array<string> = []
        const tally = { old: 0, oldFound: 0 }
        yield* withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
          Effect.gen(function*() {
            yield* Effect.forEach(
              Array.from({ length: FIBERS }, (_, f) => f),
              (f) => worker(index, f, wrong, tally),
              { concurrency: "unbounded", discard: true }
            )
            yield* index.flush
            const chapters = yield* index.chapters
            const stats = yield* index.stats
            assert.deepStrictEqual(wrong.slice(0, 5), [])
            // About 500,000 / 32,768 chapters closed; the window holds 4, the open one included.
            assert.isAtLeast(chapters.newest, Math.floor(NAMES / config.geometry.recordsPerChapter))
            assert.strictEqual(chapters.newest - chapters.oldest, config.geometry.chaptersPerVolume - 1)
            assert.strictEqual(stats.postsNotFound, NAMES)
            assert.isAbove(stats.entriesDiscarded, 0, "chapters expired")
            assert.isBelow(tally.oldFound, tally.old, "names 200,000 posts old have mostly expired")
          }))
      }), 600_000)
  }
})
