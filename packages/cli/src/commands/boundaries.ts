/**
 * `uds-volume boundaries FILE`: the chapter boundary search alone.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Console, Effect } from "effect"
import { boundariesText } from "../format.js"
import { locateVolume, withVolume } from "../locateVolume.js"
import { unmatchedProblem } from "../unmatchedVolume.js"
import { fileArg, jsonFlag, volumeFlags } from "../volumeFlags.js"

/** The `boundaries` command. */
export const boundaries = Command.make(
  "boundaries",
  { file: fileArg, json: jsonFlag, flags: volumeFlags },
  ({ file, flags, json }) =>
    Effect.gen(function*() {
      const located = yield* locateVolume(file, flags)
      const found = yield* withVolume(located, (volume) => volume.findChapterBoundaries)
      if (json) return yield* Console.log(JSON.stringify(found))
      const problem = found.isEmpty ? yield* unmatchedProblem(located) : undefined
      yield* Console.log(problem ?? boundariesText(found))
    })
).pipe(Command.withDescription("find the oldest and newest virtual chapters, as after a crash"))
