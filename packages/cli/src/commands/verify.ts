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
import { CheckFailed, type UsageError } from "../CliError.js"
import type { Boundaries } from "../format.js"
import { type LocatedVolume, locateVolume, withVolume } from "../locateVolume.js"
import { type Progress, withProgress } from "../progress.js"
import { checkRecordPage } from "../recordPageCheck.js"
import { unmatchedProblem } from "../unmatchedVolume.js"
import { fileArg, jsonFlag, volumeFlags } from "../volumeFlags.js"

/** What a check read. */
export interface Tally {
  chapters: number
  indexPages: number
  recordPages: number
  records: number
}

/** One problem found, as printed and as `--json` lists it. */
export interface Problem {
  readonly physicalChapter: number | null
  readonly virtualChapter: number | null
  readonly pageInChapter: number | null
  readonly physicalPage: number | null
  readonly text: string
}

// Where problems go: printed as they are found (text), or collected for the JSON object.
interface Findings {
  readonly report: (problem: Problem, line: string) => Effect.Effect<void>
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`

type ReadError = VolumeError.IoError | VolumeError.InvalidArgument

const checkChapter = (
  volume: Volume.Service,
  virtualChapter: number,
  tally: Tally,
  findings: Findings,
  progress: Progress
): Effect.Effect<void, ReadError> =>
  Effect.gen(function*() {
    const { geometry } = volume
    const { indexPagesPerChapter, recordPagesPerChapter, recordsPerPage } = geometry
    const chapter = Geometry.mapToPhysicalChapter(geometry, virtualChapter)
    const firstPage = Geometry.physicalPage(geometry, chapter, 0)
    const report = (pageInChapter: number | undefined, text: string): Effect.Effect<void> => {
      const where = pageInChapter === undefined
        ? ""
        : ` page ${pageInChapter}` + (pageInChapter < indexPagesPerChapter
          ? ` (index page ${pageInChapter}, physical page ${firstPage + pageInChapter})`
          : ` (record page ${pageInChapter - indexPagesPerChapter}, physical page ${firstPage + pageInChapter})`)
      const problem: Problem = {
        physicalChapter: chapter,
        virtualChapter,
        pageInChapter: pageInChapter ?? null,
        physicalPage: pageInChapter === undefined ? null : firstPage + pageInChapter,
        text
      }
      return findings.report(problem, `chapter ${chapter} (virtual ${virtualChapter})${where}: ${text}`)
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
      const found = yield* checkRecordPage(volume, virtualChapter, page.right)
      tally.recordPages++
      tally.records += recordsPerPage
      const wrong = [
        found.outOfOrder > 0 ? `${plural(found.outOfOrder, "record")} out of search tree order` : "",
        found.missing > 0 ? `${found.missing} of ${recordsPerPage} records not found through the chapter index` : "",
        found.differing > 0 ? `${found.differing} of ${recordsPerPage} records found with other data` : ""
      ].filter((text) => text !== "")
      if (wrong.length > 0) {
        yield* report(pageInChapter, wrong.join("; ") + (found.first === undefined ? "" : ` (first: ${found.first})`))
      }
      progress.advance()
    }
  })

// A problem of the volume as a whole (its boundaries), not of one chapter.
const volumeProblem = (text: string): Problem => ({
  physicalChapter: null,
  virtualChapter: null,
  pageInChapter: null,
  physicalPage: null,
  text
})

/** What checking every chapter of a volume found. */
export interface VolumeCheck {
  readonly range: string
  readonly boundaries: Boundaries | null
  readonly tally: Tally
  readonly problems: ReadonlyArray<Problem>
}

/**
 * Checks every chapter of the located volume within its boundaries (shared
 * with `uds-index verify`); problems are printed as found unless `quiet`.
 */
export const checkVolume = (located: LocatedVolume, quiet: boolean): Effect.Effect<VolumeCheck, ReadError | UsageError> =>
  Effect.gen(function*() {
    const tally: Tally = { chapters: 0, indexPages: 0, recordPages: 0, records: 0 }
    const problems: Array<Problem> = []
    const checked = yield* withVolume(located, (volume) =>
      Effect.gen(function*() {
        const found = yield* Effect.either(volume.findChapterBoundaries)
        if (found._tag === "Left") {
          if (found.left._tag === "IoError") return yield* found.left
          problems.push(volumeProblem(`boundaries: ${found.left.message}`))
          if (!quiet) yield* Console.log(`boundaries: ${found.left.message}`)
          return { range: "no chapters (the boundary search failed)", boundaries: null }
        }
        const { highest, isEmpty, lowest } = found.right
        if (isEmpty) {
          const unmatched = yield* unmatchedProblem(located)
          if (unmatched === undefined) return { range: "no chapters (the volume is empty)", boundaries: found.right }
          problems.push(volumeProblem(unmatched))
          if (!quiet) yield* Console.log(unmatched)
          return { range: "no chapters (none is readable)", boundaries: found.right }
        }
        const count = highest - lowest + 1
        yield* withProgress("verify", count * located.geometry.recordPagesPerChapter, (progress) => {
          const findings: Findings = {
            report: (problem, line) =>
              Effect.suspend(() => (problems.push(problem), quiet ? Effect.void : progress.print(line)))
          }
          return Effect.forEach(
            Array.from({ length: count }, (_, i) => lowest + i),
            (virtualChapter) => checkChapter(volume, virtualChapter, tally, findings, progress),
            { discard: true }
          )
        })
        return { range: `virtual chapters ${lowest}..${highest}`, boundaries: found.right }
      }))
    return { ...checked, tally, problems }
  })

/** The volume check's counts in one line. */
export const volumeCheckText = ({ range, tally }: VolumeCheck): string =>
  `checked ${range}: ${tally.chapters} chapters, ${tally.indexPages} index pages, ` +
  `${tally.recordPages} record pages, ${tally.records} records`

/** The `verify` command. */
export const verify = Command.make(
  "verify",
  { file: fileArg, json: jsonFlag, flags: volumeFlags },
  ({ file, flags, json }) =>
    Effect.gen(function*() {
      const located = yield* locateVolume(file, flags)
      const checked = yield* checkVolume(located, json)
      const { problems, tally } = checked
      const summary = problems.length === 0 ? "no problems found" : `${plural(problems.length, "problem")} found`
      if (json) {
        yield* Console.log(JSON.stringify({ boundaries: checked.boundaries, ...tally, problems }))
      } else {
        yield* Console.log(volumeCheckText(checked))
        yield* Console.log(summary)
      }
      if (problems.length > 0) return yield* new CheckFailed({ message: `${file}: ${summary}` })
    })
).pipe(Command.withDescription(
  "check every chapter within the boundaries; exit 1 if anything is wrong, or if no chapter matches the nonce " +
    "and geometry although the volume is not all zeros"
))
