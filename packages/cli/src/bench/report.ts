// The benchmark's output: one JSON line per workload, or a table against the reference.

/** One workload's figure, with its reference figure (BENCHMARKS.md, C at -O3, this machine kind). */
export interface Line {
  readonly workload: "W1" | "W2" | "W3" | "W4"
  readonly metric: "records_per_s" | "lookups_per_s" | "ms_per_call"
  readonly value: number
  readonly reference: number
  /** Extra fields of the JSON line (W2/W3: wrong answers and page reads per lookup). */
  readonly extra?: { readonly wrong: number; readonly pageReadsPerLookup: number }
  /** What the table says after the figures. */
  readonly note: string
}

/** The reference figures of BENCHMARKS.md. */
export const REFERENCE = {
  W1: 12.5e6,
  W2: 951e3,
  W3: 315e3,
  W4: 0.036
} as const

/** Ours over the reference, or the reference over ours for a time: above 1 is better than the reference. */
export const ratio = (line: Line): number =>
  line.metric === "ms_per_call" ? line.reference / line.value : line.value / line.reference

/** The JSON line of a workload. */
export const jsonLine = (line: Line): string =>
  JSON.stringify({ workload: line.workload, metric: line.metric, value: round(line.value), ...line.extra })

const round = (value: number): number => Number(value.toPrecision(6))

const figure = (line: Line, value: number): string => {
  if (line.metric === "ms_per_call") return `${value.toFixed(3)} ms/call`
  const unit = line.metric === "records_per_s" ? "records/s" : "lookups/s"
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M ${unit}` : `${(value / 1e3).toFixed(0)} k ${unit}`
}

/** The human table: workload, ours, reference, ratio, notes. */
export const table = (lines: ReadonlyArray<Line>): string => {
  const rows = [
    ["workload", "ours", "reference (C)", "ratio", "notes"],
    ...lines.map((line) => [
      line.workload,
      figure(line, line.value),
      figure(line, line.reference),
      `${ratio(line).toFixed(2)}x`,
      line.note
    ])
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const render = (row: ReadonlyArray<string>) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()
  return [render(rows[0]!), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(render)].join("\n")
}
