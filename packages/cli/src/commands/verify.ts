/**
 * `uds-volume verify FILE`: reads every chapter within the boundaries and
 * checks that its index pages decode and agree, and that every record on
 * every record page is found through the chapter index with its own data.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Geometry, type Volume, type VolumeError } from "@effect-uds/volume"
import { Console, Effect } from "effect"
import { CheckFailed } from "../CliError.js"
import { openVolume, withVolume } from "../openVolume.js"
import { type Progress, withProgress } from "../progress.js"
import { checkRecordPage } from "../recordPageCheck.js"
import { fileArg, volumeFlags } from "../volumeFlags.js"

interface Tally {
  chapters: number
  indexPages: number
  recordPages: number
  records: number
  problems: number
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`

type ReadError = VolumeError.IoError | VolumeError.InvalidArgument

const checkChapter = (
  volume: Volume.Service,
  virtualChapter: number,
  tally: Tally,
  progress: Progress
): Effect.Effect<void, ReadError> =>
  Effect.gen(function*() {
    const { geometry } = volume
    const { indexPagesPerChapter, recordPagesPerChapter, recordsPerPage } = geometry
    const chapter = Geometry.mapToPhysicalChapter(geometry, virtualChapter)
    const firstPage = Geometry.physicalPage(geometry, chapter, 0)
    const report = (pageInChapter: number | undefined, text: string): Effect.Effect<void> => {
      tally.problems++
      const where = pageInChapter === undefined
        ? ""
        : ` page ${pageInChapter}` + (pageInChapter < indexPagesPerChapter
          ? ` (index page ${pageInChapter}, physical page ${firstPage + pageInChapter})`
          : ` (record page ${pageInChapter - indexPagesPerChapter}, physical page ${firstPage + pageInChapter})`)
      return progress.print(`chapter ${chapter} (virtual ${virtualChapter})${where}: ${text}`)
    }
    tally.chapters++
    const index = yield* Effect.either(volume.readChapterIndex(virtualChapter))
    if (index._tag === "Left") {
      const error = index.left
      if (error._tag !== "CorruptData") return yield* error
      yield* report(error.physicalPage === undefined ? undefined : error.physicalPage - firstPage, error.message)
      return progress.advance(recordPagesPerChapter)
    }
    tally.indexPages += indexPagesPerChapter
    for (let p = 0; p < recordPagesPerChapter; p++) {
      const pageInChapter = indexPagesPerChapter + p
      const page = yield* Effect.either(volume.getPage(chapter, pageInChapter))
      if (page._tag === "Left") {
        if (page.left._tag !== "CorruptData") return yield* page.left
        yield* report(pageInChapter, page.left.message)
        continue
      }
      const findings = yield* checkRecordPage(volume, virtualChapter, page.right)
      tally.recordPages++
      tally.records += recordsPerPage
      const found = [
        findings.outOfOrder > 0 ? `${plural(findings.outOfOrder, "record")} out of search tree order` : "",
        findings.missing > 0 ? `${findings.missing} of ${recordsPerPage} records not found through the chapter index` : "",
        findings.differing > 0 ? `${findings.differing} of ${recordsPerPage} records found with other data` : ""
      ].filter((text) => text !== "")
      if (found.length > 0) {
        yield* report(pageInChapter, found.join("; ") + (findings.first === undefined ? "" : ` (first: ${findings.first})`))
      }
      progress.advance()
    }
  })

/** The `verify` command. */
export const verify = Command.make(
  "verify",
  { file: fileArg, flags: volumeFlags },
  ({ file, flags }) =>
    Effect.gen(function*() {
      const opened = yield* openVolume(file, flags)
      const tally: Tally = { chapters: 0, indexPages: 0, recordPages: 0, records: 0, problems: 0 }
      const range = yield* withVolume(opened, (volume) =>
        Effect.gen(function*() {
          const found = yield* Effect.either(volume.findChapterBoundaries)
          if (found._tag === "Left") {
            if (found.left._tag === "IoError") return yield* found.left
            tally.problems++
            yield* Console.log(`boundaries: ${found.left.message}`)
            return "no chapters (the boundary search failed)"
          }
          const { highest, isEmpty, lowest } = found.right
          if (isEmpty) return "no chapters (the volume is empty)"
          const count = highest - lowest + 1
          yield* withProgress("verify", count * opened.geometry.recordPagesPerChapter, (progress) =>
            Effect.forEach(
              Array.from({ length: count }, (_, i) => lowest + i),
              (virtualChapter) => checkChapter(volume, virtualChapter, tally, progress),
              { discard: true }
            ))
          return `virtual chapters ${lowest}..${highest}`
        }))
      yield* Console.log(
        `checked ${range}: ${tally.chapters} chapters, ${tally.indexPages} index pages, ` +
          `${tally.recordPages} record pages, ${tally.records} records`
      )
      if (tally.problems === 0) return yield* Console.log("no problems found")
      const problems = `${plural(tally.problems, "problem")} found`
      yield* Console.log(problems)
      return yield* new CheckFailed({ message: `${file}: ${problems}` })
    })
).pipe(Command.withDescription("check every chapter within the boundaries; exit 1 if anything is wrong"))
