/**
 * The files `dedup` reads: every regular file under the given paths,
 * directories walked recursively in name order, symbolic links never
 * followed (a link is neither a file nor a directory here). A path named on
 * the command line is taken as given, so a link named there is followed.
 * An entry that cannot be listed or examined is reported and skipped.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** A regular file found by the walk, with its size when examined. */
export interface FoundFile {
  readonly path: string
  readonly size: number
}

/** An entry that could not be read, and why. */
export interface Skipped {
  readonly path: string
  readonly reason: string
}

/** What a walk found. */
export interface Walk {
  readonly files: ReadonlyArray<FoundFile>
  readonly skipped: ReadonlyArray<Skipped>
  readonly totalBytes: number
}

const reasonOf = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException).code
  return code ?? (error instanceof Error ? error.message : String(error))
}

/** Walks `roots` (synchronously: it only lists directories and examines entries). */
export const walk = (roots: ReadonlyArray<string>): Walk => {
  const files: Array<FoundFile> = []
  const skipped: Array<Skipped> = []
  let totalBytes = 0
  const visit = (entry: string, stats: fs.Stats): void => {
    if (stats.isFile()) {
      files.push({ path: entry, size: stats.size })
      totalBytes += stats.size
      return
    }
    if (!stats.isDirectory()) return
    let names: Array<string>
    try {
      names = fs.readdirSync(entry)
    } catch (error) {
      skipped.push({ path: entry, reason: `cannot list the directory (${reasonOf(error)})` })
      return
    }
    names.sort()
    for (const name of names) {
      const child = path.join(entry, name)
      const childStats = examine(child, false)
      if (childStats !== undefined) visit(child, childStats)
    }
  }
  // The entry's own stats (a link's, unless `follow`), or undefined after reporting why there are none.
  const examine = (entry: string, follow: boolean): fs.Stats | undefined => {
    try {
      return follow ? fs.statSync(entry) : fs.lstatSync(entry)
    } catch (error) {
      skipped.push({ path: entry, reason: `cannot examine it (${reasonOf(error)})` })
      return undefined
    }
  }
  for (const root of roots) {
    const stats = examine(root, true)
    if (stats !== undefined) visit(root, stats)
  }
  return { files, skipped, totalBytes }
}
