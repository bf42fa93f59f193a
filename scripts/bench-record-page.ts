// Micro-benchmark of record page encode and search: `pnpm tsx scripts/bench-record-page.ts`.
// Prints µs per page encode (random names, and pages mostly filled with one duplicated
// fill record as a short chapter has) and ns per search.
import { Effect } from "effect"
import * as Geometry from "../packages/volume/src/Geometry.js"
import { RecordGenerator } from "@effect-uds/volume/testing"
import * as RecordPage from "../packages/volume/src/RecordPage.js"
import { timeLoop } from "./timeLoop.js"

const PAGES = 64

const bench = (bytesPerPage: number) => {
  const geometry = Effect.runSync(Geometry.make({ bytesPerPage, recordPagesPerChapter: PAGES, chaptersPerVolume: 1 }))
  const n = geometry.recordsPerPage
  const records = RecordGenerator.nextRecords(RecordGenerator.splitMix64(7), 0, n * PAGES, 0)
  const filled = records.slice()
  for (let i = 0; i < n * PAGES; i++) if (i % n >= n / 10) filled.copyWithin(32 * i, 0, 32)
  const out = new Uint8Array(bytesPerPage * PAGES)
  const encodeAll = (input: Uint8Array) => () => {
    for (let p = 0; p < PAGES; p++) RecordPage.encodeInto(geometry, input, p * n * 32, out, p * bytesPerPage)
  }
  const encodeFilled = timeLoop(encodeAll(filled)) / PAGES
  const encodeRandom = timeLoop(encodeAll(records)) / PAGES

  const pages = Array.from({ length: PAGES }, (_, p) => out.slice(p * bytesPerPage, (p + 1) * bytesPerPage))
  const names = Array.from({ length: n * PAGES }, (_, i) => records.slice(32 * i, 32 * i + 16))
  let hits = 0
  const findAll = () => {
    for (let i = 0; i < names.length; i++) if (RecordPage.findSlot(pages[(i / n) | 0]!, names[i]!, n) >= 0) hits++
  }
  const searchAll = () => {
    for (let i = 0; i < names.length; i++) if (RecordPage.search(geometry, pages[(i / n) | 0]!, names[i]!)) hits++
  }
  const find = (timeLoop(findAll) / names.length) * 1000
  const search = (timeLoop(searchAll) / names.length) * 1000
  console.log(
    `${bytesPerPage}-byte page (${n} records): encode ${encodeRandom.toFixed(2)} µs ` +
      `(${(n / encodeRandom).toFixed(1)} M records/s), 90%-fill page ${encodeFilled.toFixed(2)} µs; ` +
      `findSlot ${find.toFixed(0)} ns, search ${search.toFixed(0)} ns${hits > 0 ? "" : " (no hits?)"}`
  )
}

bench(4096)
bench(32768)
