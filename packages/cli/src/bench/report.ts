// The benchmark's output: one JSON line per workload, or a table against the reference.
import type { MachineScore } from "./machineScore.js"

/** The workloads of BENCHMARKS.md. */
export type Workload = "W1" | "W2" | "W3" | "W4"

/** What a workload measures. */
export type Metric = "records_per_s" | "lookups_per_s" | "ms_per_call"

/** One measured figure. */
export interface Figure {
  readonly value: number
  /** W2/W3: wrong answers (must be 0). */
  readonly wrong?: number
  /** W2/W3: page reads per lookup. */
  readonly pageReadsPerLookup?: number
  /** W3: the longest gap between ticks of a 1 ms timer fiber running beside the workload (goal: 5 ms at most). */
  readonly worstTimerGapMs?: number
  /** What the table says after the figures. */
  readonly note: string
}

/** A file device option a workload can opt into: I/O always on the calling thread. */
export type SyncOption = "syncWrites" | "syncReads"

/**
 * One workload's line: its figure with the default options (the headline),
 * and for the workloads that do file I/O (W1 writes, W3/W4 read) also the
 * figure with the file device's opt-in beside it.
 */
export interface Line {
  readonly workload: Workload
  readonly metric: Metric
  /** With the default options. */
  readonly figure: Figure
  /** With this file device option set. */
  readonly optIn?: { readonly option: SyncOption; readonly figure: Figure }
}

/** The score of the machine the reference figures were taken on (BENCHMARKS.md, 2026-12-02). */
export const REFERENCE_SCORE = 84

/**
 * The reference figures of BENCHMARKS.md, 2026-12-02 at machine score 84 (C
 * at -O3, this machine kind; the midpoints of the ranges measured).
 */
export const REFERENCE: Record<Workload, number> = {
  W1: 1.81e6,
  W2: 447e3,
  W3: 91e3,
  W4: 0.066
}

/** The reference figure scaled to this machine's score today: rates by score/84, times by 84/score. */
export const scaledReference = (workload: Workload, metric: Metric, score: MachineScore): number => {
  if (score._tag !== "Score") return REFERENCE[workload]
  const factor = score.score / REFERENCE_SCORE
  return metric === "ms_per_call" ? REFERENCE[workload] / factor : REFERENCE[workload] * factor
}

/** Ours over the scaled reference, or the reference over ours for a time: above 1 is better than the reference. */
export const ratio = (workload: Workload, metric: Metric, value: number, score: MachineScore): number => {
  const reference = scaledReference(workload, metric, score)
  return metric === "ms_per_call" ? reference / value : value / reference
}

const round = (value: number): number => Number(value.toPrecision(6))

const jsonFields = (line: Line, figure: Figure, score: MachineScore) => ({
  value: round(figure.value),
  ratio: round(ratio(line.workload, line.metric, figure.value, score)),
  ...(figure.wrong === undefined ? {} : { wrong: figure.wrong }),
  ...(figure.pageReadsPerLookup === undefined ? {} : { pageReadsPerLookup: round(figure.pageReadsPerLookup) }),
  ...(figure.worstTimerGapMs === undefined ? {} : { worstTimerGapMs: round(figure.worstTimerGapMs) })
})

/**
 * The JSON line of a workload: the default figure's fields, the scaled
 * reference and the machine score, and the opt-in's fields under its name.
 */
export const jsonLine = (line: Line, score: MachineScore): string =>
  JSON.stringify({
    workload: line.workload,
    metric: line.metric,
    ...jsonFields(line, line.figure, score),
    reference: round(scaledReference(line.workload, line.metric, score)),
    machineScore: score._tag === "Score" ? score.score : null,
    ...(line.optIn === undefined ? {} : { [line.optIn.option]: jsonFields(line, line.optIn.figure, score) })
  })

const format = (metric: Metric, value: number): string => {
  if (metric === "ms_per_call") return `${value.toFixed(3)} ms/call`
  const unit = metric === "records_per_s" ? "records/s" : "lookups/s"
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M ${unit}` : `${(value / 1e3).toFixed(0)} k ${unit}`
}

const row = (name: string, line: Line, figure: Figure, score: MachineScore): ReadonlyArray<string> => [
  name,
  format(line.metric, figure.value),
  format(line.metric, scaledReference(line.workload, line.metric, score)),
  `${ratio(line.workload, line.metric, figure.value, score).toFixed(2)}x`,
  figure.worstTimerGapMs === undefined ? "" : `${figure.worstTimerGapMs.toFixed(1)} ms`,
  figure.note
]

/**
 * The human table: workload (the default options, then the opt-in beside
 * it), ours, the reference scaled to today's score, ratio, the worst timer
 * gap, notes.
 */
export const table = (lines: ReadonlyArray<Line>, score: MachineScore): string => {
  const scaled = score._tag === "Score" ? `reference (C) x ${score.score}/84` : "reference (C) @84"
  const rows = [
    ["workload", "ours", scaled, "ratio", "timer gap", "notes"],
    ...lines.flatMap((line) =>
      line.optIn === undefined
        ? [row(line.workload, line, line.figure, score)]
        : [
          row(line.workload, line, line.figure, score),
          row(`${line.workload} ${line.optIn.option}`, line, line.optIn.figure, score)
        ]
    )
  ]
  return renderTable(rows)
}

/** Rows of cells (the first the header) as aligned text columns under a rule. */
export const renderTable = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)))
  const render = (cells: ReadonlyArray<string>) =>
    cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()
  return [render(rows[0]!), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(render)].join("\n")
}
