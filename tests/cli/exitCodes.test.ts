// Which exit code each way a command ends gives (runs anywhere).
import { afterAll, assert, describe, it } from "@effect/vitest"
import { VolumeError } from "@effect-uds/volume"
import * as fs from "node:fs"
import * as path from "node:path"
import { CheckFailed, ExitCode, exitCodeOf, UsageError } from "../../packages/cli/src/CliError.js"
import { isOneLineError, makeTempDir, runInProcess } from "./runCli.js"

const dir = makeTempDir()
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("uds-volume exit codes", () => {
  it("are mapped by error type: problems 1, bad input 2, I/O and anything untyped 3", () => {
    assert.strictEqual(exitCodeOf(new CheckFailed({ message: "x" })), ExitCode.ProblemsFound)
    assert.strictEqual(exitCodeOf(new UsageError({ message: "x" })), ExitCode.BadInput)
    assert.strictEqual(exitCodeOf(new VolumeError.InvalidArgument({ message: "x" })), ExitCode.BadInput)
    assert.strictEqual(exitCodeOf(new VolumeError.CorruptData({ message: "x" })), ExitCode.BadInput)
    assert.strictEqual(exitCodeOf(new VolumeError.IoError({ message: "x", operation: "read" })), ExitCode.Failure)
    assert.strictEqual(exitCodeOf(new Error("x")), ExitCode.Failure)
    assert.strictEqual(exitCodeOf({ _tag: "constructor" }), ExitCode.Failure)
    assert.deepStrictEqual([ExitCode.Ok, ExitCode.ProblemsFound, ExitCode.BadInput, ExitCode.Failure], [0, 1, 2, 3])
  })

  it("a bench that cannot make its files exits 3 (it could not run), not 1 (problems found)", async () => {
    // The bench's temp directory goes under TMPDIR: a regular file there makes it fail at once.
    const file = path.join(dir, "not-a-directory")
    fs.writeFileSync(file, "")
    const saved = process.env["TMPDIR"]
    process.env["TMPDIR"] = file
    try {
      const { status, stderr, stdout } = await runInProcess("bench")
      assert.strictEqual(status, ExitCode.Failure, stderr)
      assert.isTrue(isOneLineError(stderr), stderr)
      assert.include(stderr, "cannot make a temp directory")
      assert.strictEqual(stdout, "")
    } finally {
      if (saved === undefined) delete process.env["TMPDIR"]
      else process.env["TMPDIR"] = saved
    }
  })
})
