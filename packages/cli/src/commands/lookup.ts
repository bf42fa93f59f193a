/**
 * `uds-volume lookup FILE NAME_HEX... [--chapter VCN]`: the data of record
 * names, each in one chapter or searched from the newest chapter to the
 * oldest; one line (or JSON object) per name, in order.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Geometry, type Volume, type VolumeError } from "@effect-uds/volume"
import { Console, Effect, Option } from "effect"
import { UsageError } from "../CliError.js"
import { integerOption } from "../integerOption.js"
import { hex } from "../format.js"
import { locateVolume, withVolume } from "../locateVolume.js"
import { unmatchedProblem } from "../unmatchedVolume.js"
import { fileArg, jsonFlag, volumeFlags } from "../volumeFlags.js"

const namesArg = Args.text({ name: "NAME_HEX" }).pipe(
  Args.withDescription("a record name: 32 hex digits (16 bytes); give several to look each up"),
  Args.atLeast(1)
)

const chapterFlag = Options.optional(integerOption(
  "chapter",
  { min: 0, max: Number.MAX_SAFE_INTEGER },
  "look in this virtual chapter only (default: every chapter, newest first)"
))

/** The 16-byte name written as 32 hex digits, or a UsageError saying what is allowed. */
export const parseName = (text: string): Effect.Effect<Uint8Array, UsageError> =>
  /^[0-9a-fA-F]{32}$/.test(text)
    ? Effect.succeed(new Uint8Array(Buffer.from(text, "hex")))
    : Effect.fail(new UsageError({
      message: `NAME_HEX must be 32 hex digits (a 16-byte record name), got "${text}" (${text.length} characters)`
    }))

interface Found {
  readonly data: Uint8Array
  readonly virtualChapter: number
}

/** One name's answer: its data and chapter, or why it was not found when that is more than "not there". */
interface Answer {
  readonly found: Found | undefined
  readonly note: string | undefined
}

type Boundaries = { readonly lowest: number; readonly highest: number; readonly isEmpty: boolean }

type LookupError = VolumeError.CorruptData | VolumeError.IoError | VolumeError.InvalidArgument

// Newest chapter first, as the index searches; a chapter that cannot be read
// is reported on stderr and skipped.
const searchAll = (
  volume: Volume.Service,
  name: Uint8Array,
  { highest, lowest }: Boundaries
): Effect.Effect<Found | undefined, LookupError> =>
  Effect.gen(function*() {
    for (let virtualChapter = highest; virtualChapter >= lowest; virtualChapter--) {
      const found = yield* volume.lookup(name, virtualChapter).pipe(
        Effect.catchTag("CorruptData", (error) =>
          Effect.as(Console.error(`${chapterName(volume.geometry, virtualChapter)}: skipped: ${error.message}`), Option.none()))
      )
      if (Option.isSome(found)) return { data: found.value, virtualChapter }
    }
    return undefined
  })

const chapterName = (geometry: Geometry.Geometry, virtualChapter: number) =>
  `chapter ${virtualChapter} (physical ${Geometry.mapToPhysicalChapter(geometry, virtualChapter)})`

// One chapter, checked against the boundaries first: a chapter that is not on
// the volume is an answer, not a page that fails to decode.
const searchOne = (
  volume: Volume.Service,
  name: Uint8Array,
  virtualChapter: number,
  boundaries: Boundaries,
  unmatched: string | undefined
): Effect.Effect<Answer, UsageError | VolumeError.IoError | VolumeError.InvalidArgument> => {
  const { highest, isEmpty, lowest } = boundaries
  if (isEmpty || virtualChapter < lowest || virtualChapter > highest) {
    const where = isEmpty ? `(${unmatched ?? "it is empty"})` : `(boundaries ${lowest}..${highest})`
    return Effect.succeed({ found: undefined, note: `chapter ${virtualChapter} is not on the volume ${where}` })
  }
  return volume.lookup(name, virtualChapter).pipe(
    Effect.map((data) => ({
      found: Option.match(data, { onNone: () => undefined, onSome: (data) => ({ data, virtualChapter }) }),
      note: undefined
    })),
    Effect.catchTag("CorruptData", (error) =>
      new UsageError({ message: `${chapterName(volume.geometry, virtualChapter)}: ${error.message}` }))
  )
}

// Said of every answer read from a whole index: only its volume region was searched.
const VOLUME_ONLY = " [volume region only]"

const describeAnswer = (answer: Answer, json: boolean, geometry: Geometry.Geometry, volumeOnly: boolean): string => {
  const { found, note } = answer
  if (json) {
    return JSON.stringify({
      found: found !== undefined,
      data: found === undefined ? null : hex(found.data),
      virtualChapter: found?.virtualChapter ?? null,
      scope: "volume",
      ...(note === undefined ? {} : { note })
    })
  }
  const text = found === undefined
    ? "not found" + (note === undefined ? "" : `: ${note}`)
    : `${hex(found.data)} in virtual chapter ${found.virtualChapter} ` +
      `(physical chapter ${Geometry.mapToPhysicalChapter(geometry, found.virtualChapter)})`
  return text + (volumeOnly ? VOLUME_ONLY : "")
}

/** The `lookup` command. */
export const lookup = Command.make(
  "lookup",
  { file: fileArg, names: namesArg, chapter: chapterFlag, json: jsonFlag, flags: volumeFlags },
  ({ chapter, file, flags, json, names }) =>
    Effect.gen(function*() {
      const parsed = yield* Effect.forEach(names, parseName)
      const located = yield* locateVolume(file, flags)
      const answers = yield* withVolume(located, (volume) =>
        Effect.gen(function*() {
          // One boundary search for every name.
          const boundaries = yield* volume.findChapterBoundaries
          const unmatched = boundaries.isEmpty ? yield* unmatchedProblem(located) : undefined
          return yield* Effect.forEach(parsed, (name): Effect.Effect<Answer, UsageError | LookupError> =>
            Option.match(chapter, {
              onSome: (virtualChapter) => searchOne(volume, name, virtualChapter, boundaries, unmatched),
              onNone: () =>
                boundaries.isEmpty
                  ? Effect.succeed<Answer>({ found: undefined, note: unmatched ?? "the volume is empty" })
                  : Effect.map(searchAll(volume, name, boundaries), (found): Answer => ({ found, note: undefined }))
            }))
        }))
      const volumeOnly = located.source === "index"
      const lines = answers.map((answer, i) =>
        (names.length > 1 && !json ? `${names[i]}: ` : "") + describeAnswer(answer, json, located.geometry, volumeOnly))
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription(
  "print the data of record names, or \"not found\". On a whole UDS index only its volume region (the chapters " +
    "written to disk) is searched, not the open chapter nor the volume index: names still in the open chapter are " +
    "not found, and names of chapters the index has already expired may be; every such answer is marked" +
    VOLUME_ONLY + " (with --json every answer has \"scope\": \"volume\")"
))
