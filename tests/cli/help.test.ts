// What `--help` prints into a pipe (runs anywhere).
import { assert, describe, it } from "@effect/vitest"
import { runCli, runInProcess } from "./runCli.js"

const ANSI = /\x1b\[/

describe.concurrent("uds-volume --help", () => {
  it("prints no colour codes into a pipe", async () => {
    const { status, stdout } = await runCli("--help")
    assert.strictEqual(status, 0)
    assert.include(stdout, "COMMANDS")
    assert.notMatch(stdout, ANSI)
  })

  it("of every command lists --json, with no colour codes", async () => {
    for (const command of ["demo", "inspect", "verify", "lookup", "boundaries", "bench"]) {
      const { status, stdout } = await runInProcess(command, "--help")
      assert.strictEqual(status, 0, command)
      assert.include(stdout, "--json", command)
      assert.notMatch(stdout, ANSI, command)
    }
  })

  it("of lookup says that on a whole index only the volume region is searched", async () => {
    const { stdout } = await runInProcess("lookup", "--help")
    assert.match(stdout.replace(/\s+/g, " "), /On a whole UDS index only its volume region .* is searched, not the open chapter/)
    assert.include(stdout, "[volume region only]")
    assert.include(stdout, `"scope": "volume"`)
  })

  it("of the integer flags states the range they accept", async () => {
    const { stdout } = await runInProcess("inspect", "--help")
    const text = stdout.replace(/\s+/g, " ")
    assert.include(text, "--bytes-per-page N")
    assert.include(text, "an integer from 32 to 65536, a multiple of 32")
    assert.include(text, "--offset N")
  })
})
