// Runs the real uds-index binary (packages/cli/src/indexBin.ts under tsx) as a subprocess, and builds dedup test trees.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { type CliResult, repoRoot, runScript } from "./runCli.js"

/** Runs `uds-index ...args` from the repo root; resolves when it exits (killed after 120 s). */
export const runIndexCli = (...args: ReadonlyArray<string>): Promise<CliResult> =>
  runScript("packages/cli/src/indexBin.ts", args, 120_000)

/** The one-line error contract of uds-index: a single "uds-index: ..." line and no stack trace. */
export const isIndexOneLineError = (stderr: string): boolean => {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "")
  return lines.length === 1 && lines[0]!.startsWith("uds-index: ") && !/\n\s+at /.test(stderr)
}

/** Whether python3 runs here. */
export const pythonPresent: boolean = spawnSync("python3", ["--version"]).status === 0

/** The independent count of scripts/count_blocks.py over `paths`. */
export const pythonCount = (...args: ReadonlyArray<string>): Record<string, number> => {
  const result = spawnSync("python3", [path.join(repoRoot, "scripts", "count_blocks.py"), ...args], { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`count_blocks.py failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as Record<string, number>
}

/** `length` bytes that repeat nowhere else: a counter and a tag in every 16 bytes. */
export const uniqueBytes = (tag: number, length: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  const view = new DataView(bytes.buffer)
  for (let at = 0; at + 16 <= length; at += 16) {
    view.setUint32(at, tag, true)
    view.setUint32(at + 4, at, true)
    view.setUint32(at + 8, 0x5eed, true)
  }
  return bytes
}

/**
 * A directory `levels` deep whose full path is longer than PATH_MAX (4096),
 * made in a child node process by relative mkdir and chdir (a vitest worker
 * cannot chdir): listing it fails with ENAMETOOLONG, even as root, so it is
 * an entry that really cannot be read. Returns its top directory.
 */
export const makeTooDeep = (parent: string, levels = 20): string => {
  const name = "d".repeat(250)
  const script = `const fs = require("fs"); process.chdir(process.argv[1]);
    for (let i = 0; i < ${levels}; i++) { fs.mkdirSync("${name}"); process.chdir("${name}") }
    fs.writeFileSync("file", "data")`
  const made = spawnSync(process.execPath, ["-e", script, parent], { encoding: "utf8" })
  if (made.status !== 0) throw new Error(`could not make the deep directory: ${made.stderr}`)
  return path.join(parent, name)
}

/** Removes a tree made by the tests, deep directories included. */
export const removeTree = (dir: string): void => {
  spawnSync("rm", ["-rf", dir])
  fs.rmSync(dir, { recursive: true, force: true })
}
