/**
 * `uds-index stats FILE`: the statistics of a whole index, opened read-only
 * (a load, or a rebuild in memory when no save loads).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import type { Index } from "@effect-uds/index"
import { Console, Effect } from "effect"
import { withIndexReadOnly } from "../indexFile/openIndex.js"
import { jsonFlag } from "../volumeFlags.js"
import { indexFileArg } from "./inspect.js"

/** The statistics as text lines. */
export const statsLines = (stats: Index.Stats): ReadonlyArray<string> => [
  `entries indexed ${stats.entriesIndexed}, collisions ${stats.collisions}, discarded ${stats.entriesDiscarded}, ` +
  `memory ${stats.memoryUsed} bytes`,
  `posts found ${stats.postsFound} (open chapter ${stats.inMemoryPostsFound}, dense ${stats.densePostsFound}, ` +
  `sparse ${stats.sparsePostsFound}), not found ${stats.postsNotFound}; requests ${stats.requests}`
]

/** The `stats` command. */
export const stats = Command.make("stats", { file: indexFileArg, json: jsonFlag }, ({ file, json }) =>
  withIndexReadOnly(file, "load", (index) =>
    Effect.gen(function*() {
      const stats = yield* index.stats
      const chapters = yield* index.chapters
      if (json) return yield* Console.log(JSON.stringify({ opened: index.opened, chapters, ...stats }))
      yield* Console.log([
        `${file}: ${index.opened}; chapters ${chapters.oldest}..${chapters.newest} (${chapters.newest} open)`,
        ...statsLines(stats)
      ].join("\n"))
    }))).pipe(Command.withDescription("show an index's statistics (read-only)"))
