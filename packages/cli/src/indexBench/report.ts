// The figures of uds-index bench: one JSON line per workload, or a table against the reference (as uds-volume bench).
import { renderTable } from "../bench/report.js"

/** The whole-index workloads of BENCHMARKS.md. */
export type Workload = "I1" | "I2" | "I3" | "I4" | "I5"

/** One workload's figure. */
export interface Line {
  readonly workload: Workload
  readonly metric: "requests_per_s" | "ms"
  readonly value: number
  /** Wrong answers (must be 0): I1 found, I2 missed or wrong data, I3 false positives, I5 a load that did not need a rebuild. */
  readonly wrong: number
  /** I4: the save's time (`value` is the load's). */
  readonly saveMs?: number
  readonly note: string
}

/** The reference's figures (C, -O3, 1 zone, this machine kind): BENCHMARKS.md. */
export const REFERENCE: Record<Workload, number> = { I1: 630e3, I2: 172e3, I3: 1.39e6, I4: 315, I5: 1300 }
const REFERENCE_SAVE_MS = 148

const round = (value: number): number => Number(value.toPrecision(6))

/** The JSON line of a workload. */
export const jsonLine = (line: Line): string =>
  JSON.stringify({
    workload: line.workload,
    metric: line.metric,
    value: round(line.value),
    wrong: line.wrong,
    ...(line.saveMs === undefined ? {} : { saveMs: round(line.saveMs) })
  })

const format = (line: Line, value: number, saveMs: number | undefined): string =>
  line.metric === "ms"
    ? (saveMs === undefined ? "" : `save ${saveMs.toFixed(0)} ms, load `) + `${value.toFixed(0)} ms`
    : value >= 1e6
    ? `${(value / 1e6).toFixed(2)} M requests/s`
    : `${(value / 1e3).toFixed(1)} k requests/s`

/** Ours over the reference (the reference over ours for a time): above 1 is better than the reference. */
export const ratio = (line: Line): number =>
  line.metric === "ms" ? REFERENCE[line.workload] / line.value : line.value / REFERENCE[line.workload]

/** The human table: workload, ours, reference, ratio, notes. */
export const table = (lines: ReadonlyArray<Line>): string =>
  renderTable([
    ["workload", "ours", "reference (C)", "ratio", "notes"],
    ...lines.map((line) => [
      line.workload,
      format(line, line.value, line.saveMs),
      format(line, REFERENCE[line.workload], line.saveMs === undefined ? undefined : REFERENCE_SAVE_MS),
      `${ratio(line).toFixed(3)}x`,
      line.note
    ])
  ])
