// Micro-benchmark of index page decoding and chapter packing: `pnpm tsx scripts/bench-index-page.ts`.
// Prints µs per decodePage (a W4 chapter's one page, and the pages of a W1 chapter)
// and ms per packChapter of a W1 chapter.
import { Effect } from "effect"
import * as ChapterIndex from "../packages/volume/src/ChapterIndex.js"
import * as Geometry from "../packages/volume/src/Geometry.js"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { timeLoop } from "./timeLoop.js"

const NONCE = 0x5eed_0001_5eed_0002n

const bench = (name: string, recordPagesPerChapter: number) => {
  const geometry = Effect.runSync(Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter, chaptersPerVolume: 64 }))
  const records = RecordGenerator.nextRecords(RecordGenerator.splitMix64(1), 0, geometry.recordsPerChapter, 0)
  const pack = () => ChapterIndex.packChapter(geometry, NONCE, 5, records, geometry.recordsPerChapter)
  const { pages } = pack()
  let failures = 0
  const decodeAll = () => {
    for (const page of pages) if (ChapterIndex.decodePage(geometry, NONCE, page)._tag === "Left") failures++
  }
  const decode = timeLoop(decodeAll) / pages.length
  const packing = timeLoop(pack) / 1000
  console.log(
    `${name}: ${geometry.recordsPerChapter} records, ${pages.length} index pages: decodePage ${decode.toFixed(2)} µs` +
      `, packChapter ${packing.toFixed(3)} ms${failures === 0 ? "" : ` (${failures} decode failures!)`}`
  )
}

bench("W4 chapter", 2)
bench("W1 chapter", 256)
