/**
 * Telling an empty volume from one read with the wrong description: the
 * boundary search reports "empty" whenever no chapter's index pages decode
 * with the nonce and geometry given, which is also what a wrong `--nonce`,
 * a wrong page or chapter size, or a file of random bytes look like.
 *
 * @since 0.1.0
 */
import { Geometry } from "@effect-uds/volume"
import { Effect } from "effect"
import * as fs from "node:fs"
import { UsageError } from "./CliError.js"
import type { LocatedVolume } from "./locateVolume.js"

const allZero = (bytes: Uint8Array): boolean => bytes.every((byte) => byte === 0)

/**
 * How many physical chapters have a first index page that is not all zero,
 * read straight from the file (a page that does not decode is what we are
 * looking for, so it cannot go through the volume's decoding cache).
 */
export const chaptersWithData = (located: LocatedVolume): Effect.Effect<number, UsageError> =>
  Effect.try({
    try: () => {
      const { geometry, volumeOffset } = located
      const page = new Uint8Array(geometry.bytesPerPage)
      const fd = fs.openSync(located.path, "r")
      try {
        let count = 0
        for (let chapter = 0; chapter < geometry.chaptersPerVolume; chapter++) {
          const at = volumeOffset + Geometry.physicalPage(geometry, chapter, 0) * geometry.bytesPerPage
          const read = fs.readSync(fd, page, 0, page.length, at)
          if (!allZero(page.subarray(0, read))) count++
        }
        return count
      } finally {
        fs.closeSync(fd)
      }
    },
    catch: (cause) => new UsageError({ message: `${located.path}: cannot read it (${(cause as Error).message})` })
  })

/**
 * For a volume whose boundary search found no chapter: `undefined` when it
 * is really empty (every chapter's first page is zero), else the problem to
 * report, "no chapter matches nonce N: wrong nonce or geometry?".
 */
export const unmatchedProblem = (located: LocatedVolume): Effect.Effect<string | undefined, UsageError> =>
  Effect.map(chaptersWithData(located), (count) =>
    count === 0
      ? undefined
      : `no chapter matches nonce ${located.nonce}: wrong nonce or geometry? ` +
        `(${count} of ${located.geometry.chaptersPerVolume} chapters start with a page that is not zero)`)
