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
  /** Zones of the index measured. */
  readonly zones: number
  /** The machine score of the day (../shared/calibrate.mjs), when known. */
  readonly score: number | undefined
}

/** The reference's figures (C, -O3, this machine kind, machine score 82) with 1 zone: BENCHMARKS.md. */
export const REFERENCE: Record<Workload, number> = { I1: 630e3, I2: 172e3, I3: 1.39e6, I4: 315, I5: 1300 }
const REFERENCE_SAVE_MS = 148
/** The same with 2 zones. */
const REFERENCE_2: Record<Workload, number> = { I1: 722e3, I2: 178e3, I3: 1.38e6, I4: 317, I5: 1200 }
const REFERENCE_2_SAVE_MS = 184
/** The machine score of the day the reference was measured. */
export const REFERENCE_SCORE = 82

/** The score's speed over the reference day's: a rate scales by it, a time by its inverse (1 when the score is unknown). */
const speedup = (line: Line): number => line.score === undefined ? 1 : line.score / REFERENCE_SCORE

/** The reference's figure for the line, scaled to the line's machine score. */
export const reference = (line: Line): number => {
  const figure = (line.zones === 1 ? REFERENCE : REFERENCE_2)[line.workload]
  return line.metric === "ms" ? figure / speedup(line) : figure * speedup(line)
}

const referenceSaveMs = (line: Line): number =>
  (line.zones === 1 ? REFERENCE_SAVE_MS : REFERENCE_2_SAVE_MS) / speedup(line)

const round = (value: number): number => Number(value.toPrecision(6))

/** The JSON line of a workload. */
export const jsonLine = (line: Line): string =>
  JSON.stringify({
    workload: line.workload,
    metric: line.metric,
    value: round(line.value),
    wrong: line.wrong,
    zones: line.zones,
    ...(line.score === undefined ? {} : { machineScore: line.score }),
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
  line.metric === "ms" ? reference(line) / line.value : line.value / reference(line)

/** The human table: workload, ours, reference, ratio, notes. */
export const table = (lines: ReadonlyArray<Line>): string =>
  renderTable([
    ["workload", "zones", "ours", "reference (C), scaled to the score", "ratio", "notes"],
    ...lines.map((line) => [
      line.workload,
      `${line.zones}`,
      format(line, line.value, line.saveMs),
      format(line, reference(line), line.saveMs === undefined ? undefined : referenceSaveMs(line)),
      `${ratio(line).toFixed(3)}x`,
      line.note
    ])
  ])
