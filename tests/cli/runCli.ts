// Runs the real uds-volume binary (packages/cli/src/bin.ts under tsx) as a subprocess.
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Console, Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { run } from "../../packages/cli/src/main.js"

export const repoRoot = path.resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `node --import tsx SCRIPT ...args` from the repo root; resolves when it exits (killed after `timeout` ms). */
export const runScript = (script: string, args: ReadonlyArray<string>, timeout = 60_000): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: repoRoot,
      timeout,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

/** Runs `uds-volume ...args` from the repo root; resolves when it exits (killed after 60 s). */
export const runCli = (...args: ReadonlyArray<string>): Promise<CliResult> => runScript("packages/cli/src/bin.ts", args)

/** A fresh temp directory; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export const makeTempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "uds-cli-test-"))

/** Overwrites `length` bytes at `offset` of `file` with `bytes` (zeros by default). */
export const overwrite = (file: string, offset: number, bytes: Uint8Array): void => {
  const fd = fs.openSync(file, "r+")
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset)
  } finally {
    fs.closeSync(fd)
  }
}

/** The one-line error contract: a single "uds-volume: ..." line and no stack trace. */
export const isOneLineError = (stderr: string): boolean => {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "")
  return lines.length === 1 && lines[0]!.startsWith("uds-volume: ") && !/\n\s+at /.test(stderr)
}

/**
 * Runs the same command line in this process (main.ts's `run`, with its
 * console output captured): for the many small cases where starting a
 * process each time would be slow. Progress bars stay off (stderr is not a
 * terminal under vitest).
 */
export const runInProcess = (...args: ReadonlyArray<string>): Promise<CliResult> => {
  let stdout = ""
  let stderr = ""
  const text = (parts: ReadonlyArray<unknown>) => parts.map(String).join(" ") + "\n"
  const program = Console.consoleWith((console) =>
    Effect.withConsole(run(["node", "uds-volume", ...args]), {
      ...console,
      log: (...parts) => Effect.sync(() => void (stdout += text(parts))),
      error: (...parts) => Effect.sync(() => void (stderr += text(parts)))
    })
  )
  return Effect.runPromise(Effect.provide(program, NodeContext.layer)).then((status) => ({ status, stdout, stderr }))
}
