// The benchmark's output: one JSON line per workload, or a table against the reference.

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
  /** What the table says after the figures. */
  readonly note: string
}

/** The file device option a workload's headline figure used: I/O on the calling thread. */
export type SyncOption = "syncWrites" | "syncReads"

/**
 * One workload's line: its figure, and for the workloads that do file I/O
 * (W1 writes, W3/W4 reads) also the figure with that I/O through libuv's
 * thread pool, the file device's default.
 */
export interface Line {
  readonly workload: Workload
  readonly metric: Metric
  readonly figure: Figure
  /** `figure` is with this file device option; `threadPool` is without it. */
  readonly threadPool?: { readonly option: SyncOption; readonly figure: Figure }
}

/** The reference figures of BENCHMARKS.md (C at -O3, this machine kind, median of 3). */
export const REFERENCE: Record<Workload, number> = {
  W1: 12.5e6,
  W2: 951e3,
  W3: 315e3,
  W4: 0.036
}

/** Ours over the reference, or the reference over ours for a time: above 1 is better than the reference. */
export const ratio = (workload: Workload, metric: Metric, value: number): number =>
  metric === "ms_per_call" ? REFERENCE[workload] / value : value / REFERENCE[workload]

const round = (value: number): number => Number(value.toPrecision(6))

const jsonFields = (figure: Figure) => ({
  value: round(figure.value),
  ...(figure.wrong === undefined ? {} : { wrong: figure.wrong }),
  ...(figure.pageReadsPerLookup === undefined ? {} : { pageReadsPerLookup: round(figure.pageReadsPerLookup) })
})

/** The JSON line of a workload. */
export const jsonLine = (line: Line): string =>
  JSON.stringify({
    workload: line.workload,
    metric: line.metric,
    ...jsonFields(line.figure),
    ...(line.threadPool === undefined
      ? {}
      : { [line.threadPool.option]: true, threadPool: jsonFields(line.threadPool.figure) })
  })

const format = (metric: Metric, value: number): string => {
  if (metric === "ms_per_call") return `${value.toFixed(3)} ms/call`
  const unit = metric === "records_per_s" ? "records/s" : "lookups/s"
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M ${unit}` : `${(value / 1e3).toFixed(0)} k ${unit}`
}

const row = (name: string, line: Line, figure: Figure): ReadonlyArray<string> => [
  name,
  format(line.metric, figure.value),
  format(line.metric, REFERENCE[line.workload]),
  `${ratio(line.workload, line.metric, figure.value).toFixed(2)}x`,
  figure.note
]

/** The human table: workload, ours, reference, ratio, notes. */
export const table = (lines: ReadonlyArray<Line>): string => {
  const rows = [
    ["workload", "ours", "reference (C)", "ratio", "notes"],
    ...lines.flatMap((line) =>
      line.threadPool === undefined
        ? [row(line.workload, line, line.figure)]
        : [
          row(`${line.workload} ${line.threadPool.option}`, line, line.figure),
          row(`${line.workload} thread pool`, line, line.threadPool.figure)
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
