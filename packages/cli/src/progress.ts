/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal so
 * that piped output (and stdout, kept for results and --json) stays clean.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"

/** A running progress bar. */
export interface Progress {
  /** Counts `n` more units done (redrawn at most every 50 ms). */
  readonly advance: (n?: number) => void
  /** Prints a line (Console.log) without tearing the bar. */
  readonly print: (line: string) => Effect.Effect<void>
  /** Removes the bar. */
  readonly finish: () => void
}

const WIDTH = 30
const REDRAW_MS = 50

/** A bar labelled `label` counting up to `total` units, inert when stderr is not a terminal. */
export const make = (label: string, total: number): Progress => {
  const tty = process.stderr.isTTY === true
  let done = 0
  let lastDraw = 0
  let shown = false
  const draw = () => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total)
    const filled = Math.round(fraction * WIDTH)
    const bar = "#".repeat(filled) + ".".repeat(WIDTH - filled)
    process.stderr.write(`\r${label} [${bar}] ${Math.floor(fraction * 100)}% ${done}/${total}\x1b[K`)
    shown = true
    lastDraw = Date.now()
  }
  const clear = () => {
    if (shown) process.stderr.write("\r\x1b[K")
    shown = false
  }
  return {
    advance: (n = 1) => {
      done += n
      if (tty && (Date.now() - lastDraw >= REDRAW_MS || done >= total)) draw()
    },
    print: (line) =>
      Effect.sync(() => tty && clear()).pipe(
        Effect.zipRight(Console.log(line)),
        Effect.zipRight(Effect.sync(() => tty && draw()))
      ),
    finish: () => {
      if (tty) clear()
    }
  }
}

/** A progress bar for the duration of `use`, removed however `use` ends. */
export const withProgress = <A, E, R>(
  label: string,
  total: number,
  use: (progress: Progress) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(Effect.sync(() => make(label, total)), use, (progress) => Effect.sync(progress.finish))
