/**
 * Progress on stderr, so that stdout keeps only results and --json: a bar
 * redrawn in place when stderr is a terminal; otherwise (a log file, CI) a
 * plain line every few seconds, and only on runs long enough to need one.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"

/** A running progress report. */
export interface Progress {
  /** Counts `n` more units done. */
  readonly advance: (n?: number) => void
  /** Prints a line (Console.log) without tearing the bar. */
  readonly print: (line: string) => Effect.Effect<void>
  /** Removes the bar, or ends the plain lines with the final count. */
  readonly finish: () => void
}

/** Where progress goes: stderr and a clock, replaceable in tests. */
export interface ProgressOutput {
  readonly isTerminal: boolean
  readonly write: (text: string) => void
  /** Milliseconds from any fixed origin. */
  readonly now: () => number
}

/** The process's stderr and clock. */
export const stderrOutput = (): ProgressOutput => ({
  isTerminal: process.stderr.isTTY === true,
  write: (text) => void process.stderr.write(text),
  now: () => Date.now()
})

const WIDTH = 30
/** How often a terminal bar is redrawn. */
const REDRAW_MS = 50
/** How often a plain line is written when stderr is not a terminal. */
export const PLAIN_LINE_MS = 5000

/** A progress report labelled `label` counting up to `total` units. */
export const make = (label: string, total: number, output: ProgressOutput = stderrOutput()): Progress => {
  const { isTerminal, now, write } = output
  let done = 0
  let last = now()
  let shown = false
  let linesWritten = 0
  const counts = () => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total)
    return { fraction, text: `${Math.floor(fraction * 100)}% ${done}/${total}` }
  }
  const draw = () => {
    const { fraction, text } = counts()
    const filled = Math.round(fraction * WIDTH)
    write(`\r${label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${text}\x1b[K`)
    shown = true
    last = now()
  }
  const line = () => {
    write(`${label}: ${counts().text}\n`)
    linesWritten++
    last = now()
  }
  const clear = () => {
    if (shown) write("\r\x1b[K")
    shown = false
  }
  return {
    advance: (n = 1) => {
      done += n
      if (isTerminal) {
        if (now() - last >= REDRAW_MS || done >= total) draw()
      } else if (now() - last >= PLAIN_LINE_MS) {
        line()
      }
    },
    print: (text) =>
      Effect.sync(() => isTerminal && clear()).pipe(
        Effect.zipRight(Console.log(text)),
        Effect.zipRight(Effect.sync(() => isTerminal && draw()))
      ),
    finish: () => {
      if (isTerminal) clear()
      else if (linesWritten > 0) line()
    }
  }
}

/** A progress report for the duration of `use`, finished however `use` ends. */
export const withProgress = <A, E, R>(
  label: string,
  total: number,
  use: (progress: Progress) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(Effect.sync(() => make(label, total)), use, (progress) => Effect.sync(progress.finish))
