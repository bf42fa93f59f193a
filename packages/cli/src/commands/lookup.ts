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
import { Geometry, RecordGenerator, type Volume, type VolumeError } from "@effect-uds/volume"
import { Console, Effect, Option } from "effect"
import { UsageError } from "../CliError.js"
import { locateVolume, withVolume } from "../locateVolume.js"
import { fileArg, jsonFlag, volumeFlags } from "../volumeFlags.js"

const namesArg = Args.text({ name: "NAME_HEX" }).pipe(
  Args.withDescription("a record name: 32 hex digits (16 bytes); give several to look each up"),
  Args.atLeast(1)
)

const chapterFlag = Options.integer("chapter").pipe(
  Options.withDescription("look in this virtual chapter only (default: every chapter, newest first)"),
  Options.optional
)

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

// Newest chapter first, as the index searches; a chapter that cannot be read
// is reported on stderr and skipped.
const searchAll = (
  volume: Volume.Service,
  name: Uint8Array
): Effect.Effect<Found | undefined, VolumeError.CorruptData | VolumeError.IoError | VolumeError.InvalidArgument> =>
  Effect.gen(function*() {
    const { highest, isEmpty, lowest } = yield* volume.findChapterBoundaries
    if (isEmpty) return undefined
    for (let virtualChapter = highest; virtualChapter >= lowest; virtualChapter--) {
      const found = yield* volume.lookup(name, virtualChapter).pipe(
        Effect.catchTag("CorruptData", (error) =>
          Effect.as(
            Console.error(
              `chapter ${Geometry.mapToPhysicalChapter(volume.geometry, virtualChapter)} (virtual ${virtualChapter}): ` +
                `skipped: ${error.message}`
            ),
            Option.none()
          ))
      )
      if (Option.isSome(found)) return { data: found.value, virtualChapter }
    }
    return undefined
  })

const lookupOne = (volume: Volume.Service, name: Uint8Array, chapter: Option.Option<number>) =>
  Option.match(chapter, {
    onNone: () => searchAll(volume, name),
    onSome: (virtualChapter) =>
      Effect.map(volume.lookup(name, virtualChapter), (data) =>
        Option.match(data, { onNone: () => undefined, onSome: (data) => ({ data, virtualChapter }) }))
  })

const describeFound = (found: Found | undefined, json: boolean, geometry: Geometry.Geometry): string => {
  if (json) {
    return JSON.stringify({
      found: found !== undefined,
      data: found === undefined ? null : RecordGenerator.toHex(found.data),
      virtualChapter: found?.virtualChapter ?? null
    })
  }
  return found === undefined
    ? "not found"
    : `${RecordGenerator.toHex(found.data)} in virtual chapter ${found.virtualChapter} ` +
      `(physical chapter ${Geometry.mapToPhysicalChapter(geometry, found.virtualChapter)})`
}

/** The `lookup` command. */
export const lookup = Command.make(
  "lookup",
  { file: fileArg, names: namesArg, chapter: chapterFlag, json: jsonFlag, flags: volumeFlags },
  ({ chapter, file, flags, json, names }) =>
    Effect.gen(function*() {
      const parsed = yield* Effect.forEach(names, parseName)
      if (Option.isSome(chapter) && (!Number.isSafeInteger(chapter.value) || chapter.value < 0)) {
        return yield* new UsageError({ message: `--chapter must be a non-negative integer, got ${chapter.value}` })
      }
      const located = yield* locateVolume(file, flags)
      const found = yield* withVolume(located, (volume) => Effect.forEach(parsed, (name) => lookupOne(volume, name, chapter)))
      const lines = found.map((one, i) =>
        (names.length > 1 && !json ? `${names[i]}: ` : "") + describeFound(one, json, located.geometry))
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription("print the data of record names, or \"not found\""))
