/**
 * The description file that `demo` writes beside a volume it creates
 * (`<volume>.json`), so the volume opens without flags: its geometry, its
 * nonce and where in the file the volume starts.
 *
 * @since 0.1.0
 */
import type { Geometry } from "@effect-uds/volume"
import { Effect, Either, ParseResult, Schema } from "effect"
import * as fs from "node:fs"
import { UsageError } from "./CliError.js"

/** The `format` value of a description this tool understands. */
export const FORMAT = "uds-volume/1"

const Count = Schema.Int.pipe(Schema.nonNegative())

/** A volume description as stored. */
export const Description = Schema.Struct({
  format: Schema.Literal(FORMAT),
  geometry: Schema.Struct({
    bytesPerPage: Count,
    recordPagesPerChapter: Count,
    chaptersPerVolume: Count,
    sparseChaptersPerVolume: Schema.optionalWith(Count, { default: () => 0 }),
    remappedVirtual: Schema.optionalWith(Count, { default: () => 0 }),
    remappedPhysical: Schema.optionalWith(Count, { default: () => 0 })
  }),
  nonce: Schema.String.pipe(Schema.pattern(/^[0-9]{1,20}$/, { message: () => "a decimal string of up to 20 digits" })),
  offset: Schema.optionalWith(Count, { default: () => 0 })
})

/** A decoded volume description. */
export type Description = typeof Description.Type

/** The path of the description file of the volume at `volumePath`. */
export const pathOf = (volumePath: string): string => `${volumePath}.json`

/** The description of a volume of `geometry` with `nonce`, starting at byte 0 of its file. */
export const make = (geometry: Geometry.Geometry, nonce: bigint): Description => ({
  format: FORMAT,
  geometry: {
    bytesPerPage: geometry.bytesPerPage,
    recordPagesPerChapter: geometry.recordPagesPerChapter,
    chaptersPerVolume: geometry.chaptersPerVolume,
    sparseChaptersPerVolume: geometry.sparseChaptersPerVolume,
    remappedVirtual: geometry.remappedVirtual,
    remappedPhysical: geometry.remappedPhysical
  },
  nonce: nonce.toString(),
  offset: 0
})

/** Writes the description of the volume at `volumePath` beside it. */
export const write = (volumePath: string, description: Description): Effect.Effect<void, UsageError> =>
  Effect.try({
    try: () => fs.writeFileSync(pathOf(volumePath), JSON.stringify(description, null, 2) + "\n"),
    catch: (cause) => new UsageError({ message: `cannot write ${pathOf(volumePath)}: ${(cause as Error).message}` })
  })

const decode = Schema.decodeUnknownEither(Description)

/**
 * The description beside the volume at `volumePath`: `undefined` when there
 * is none, `UsageError` naming the first thing wrong when it does not parse.
 */
export const read = (volumePath: string): Effect.Effect<Description | undefined, UsageError> =>
  Effect.suspend(() => {
    const file = pathOf(volumePath)
    if (!fs.existsSync(file)) return Effect.succeed(undefined)
    const bad = (what: string) => Effect.fail(new UsageError({ message: `${file}: not a volume description: ${what}` }))
    let json: unknown
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"))
    } catch (cause) {
      return bad((cause as Error).message)
    }
    return Either.match(decode(json), {
      onRight: Effect.succeed,
      onLeft: (error) => {
        const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
        const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.join(".")}: `
        return bad(`${where}${issue?.message ?? "does not match the format"}`)
      }
    })
  })
