/**
 * `uds-volume inspect FILE`: geometry, nonce, where the volume region is,
 * the chapter boundaries and what each physical chapter holds.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Console, Effect } from "effect"
import { heldChapter } from "../chapters.js"
import { boundariesText, geometryJson, geometryText } from "../format.js"
import { locateVolume, withVolume } from "../locateVolume.js"
import { unmatchedProblem } from "../unmatchedVolume.js"
import { fileArg, jsonFlag, volumeFlags } from "../volumeFlags.js"

const SOURCE_TEXT = {
  index: "UDS index (super block at byte 0)",
  description: "volume described by its .json file",
  flags: "raw volume region described by flags"
} as const

/** The `inspect` command. */
export const inspect = Command.make(
  "inspect",
  { file: fileArg, json: jsonFlag, flags: volumeFlags },
  ({ file, flags, json }) =>
    Effect.gen(function*() {
      const located = yield* locateVolume(file, flags)
      const { geometry, nonce, volumeOffset } = located
      const { boundaries, chapters } = yield* withVolume(located, (volume) =>
        Effect.all({
          boundaries: volume.findChapterBoundaries,
          chapters: Effect.forEach(
            Array.from({ length: geometry.chaptersPerVolume }, (_, physical) => physical),
            (physical) => Effect.map(heldChapter(volume, nonce, physical), (vcn) => ({ physical, virtualChapter: vcn ?? null }))
          )
        }))
      const problem = boundaries.isEmpty ? yield* unmatchedProblem(located) : undefined
      if (json) {
        return yield* Console.log(JSON.stringify({
          geometry: geometryJson(geometry),
          nonce: nonce.toString(),
          volumeOffset,
          boundaries,
          problem: problem ?? null,
          chapters
        }))
      }
      const lines = [
        `file:       ${file}: ${SOURCE_TEXT[located.source]}`,
        `geometry:   ${geometryText(geometry)}`,
        `nonce:      ${nonce} (0x${nonce.toString(16).padStart(16, "0")})`,
        `volume:     bytes ${volumeOffset}..${volumeOffset + geometry.bytesPerVolume - 1} of the file`,
        `boundaries: ${problem ?? boundariesText(boundaries)}`,
        "chapters:   physical -> virtual",
        ...chapters.map(({ physical, virtualChapter }) =>
          `  ${String(physical).padStart(6)} -> ${virtualChapter === null ? "bad" : virtualChapter}`)
      ]
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription("show the geometry, nonce, volume region, boundaries and each chapter's virtual chapter"))
