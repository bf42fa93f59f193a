// The machine score of the day (../shared/calibrate.mjs), which every figure is scaled by.
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The score, or why there is none. */
export type MachineScore =
  | { readonly _tag: "Score"; readonly score: number }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/**
 * Where calibrate.mjs is: in $UDS_SHARED, else in ../shared beside the
 * repository root (as the tests find the vectors).
 */
export const calibrateScript = (): string => {
  const shared = process.env["UDS_SHARED"] ??
    path.resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../../shared")
  return path.join(shared, "calibrate.mjs")
}

/** Runs calibrate.mjs in a subprocess (about 5 s) and reads its score. */
export const machineScore: Effect.Effect<MachineScore> = Effect.async<MachineScore>((resume) => {
  const script = calibrateScript()
  if (!fs.existsSync(script)) return resume(Effect.succeed({ _tag: "Unavailable", reason: "calibrate.mjs not found" }))
  execFile(process.execPath, [script], { timeout: 120_000 }, (error, stdout) => {
    if (error !== null) return resume(Effect.succeed({ _tag: "Unavailable", reason: `calibrate.mjs failed: ${error.message}` }))
    try {
      const score: unknown = (JSON.parse(stdout) as { score?: unknown }).score
      resume(Effect.succeed(
        typeof score === "number" && score > 0
          ? { _tag: "Score", score }
          : { _tag: "Unavailable", reason: `calibrate.mjs printed no score: ${stdout.trim()}` }
      ))
    } catch {
      resume(Effect.succeed({ _tag: "Unavailable", reason: `calibrate.mjs printed no score: ${stdout.trim()}` }))
    }
  })
})

/** The line the bench prints about the score. */
export const scoreText = (score: MachineScore): string =>
  score._tag === "Score"
    ? `machine score: ${score.score} (reference figures scaled by ${score.score}/84)`
    : `machine score: n/a (${score.reason}; reference figures unscaled, as at score 84)`
