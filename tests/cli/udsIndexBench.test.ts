// uds-index bench (subprocess, the fewest requests it allows) and --help: the lines and the commands they promise.
import { assert, describe, it } from "@effect/vitest"
import { runIndexCli } from "./udsIndexRun.js"

describe.concurrent("uds-index bench and help (subprocess)", () => {
  it("bench --json prints one line per workload I1–I5, with 1 zone then 2, with no wrong answer", async () => {
    const { status, stderr, stdout } = await runIndexCli("bench", "--requests", "1000", "--json")
    assert.strictEqual(status, 0, stderr)
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line))
    const workloads = [
      ["I1", "requests_per_s"],
      ["I2", "requests_per_s"],
      ["I3", "requests_per_s"],
      ["I4", "ms"],
      ["I5", "ms"]
    ]
    assert.deepStrictEqual(
      lines.map((line) => [line.workload, line.metric, line.zones]),
      [...workloads.map((w) => [...w, 1]), ...workloads.map((w) => [...w, 2])]
    )
    for (const line of lines) {
      assert.strictEqual(line.wrong, 0, line.workload)
      assert.isAbove(line.value, 0, line.workload)
    }
    assert.isAbove(lines[3].saveMs, 0)
    assert.isAbove(lines[8].saveMs, 0)
  }, 300_000)

  it("bench --zones 2 runs with 2 zones only; --zones 3 is refused with what is allowed", async () => {
    const { status, stderr, stdout } = await runIndexCli("bench", "--requests", "1000", "--json", "--zones", "2")
    assert.strictEqual(status, 0, stderr)
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line))
    assert.deepStrictEqual(lines.map((line) => [line.workload, line.zones]), [
      ["I1", 2],
      ["I2", 2],
      ["I3", 2],
      ["I4", 2],
      ["I5", 2]
    ])
    const refused = await runIndexCli("bench", "--zones", "3")
    assert.notStrictEqual(refused.status, 0)
    assert.include(refused.stderr, "--zones must be an integer from 1 to 2")
  }, 300_000)

  it("--help lists every command, and dedup --help says how blocks are named", async () => {
    const root = await runIndexCli("--help")
    assert.strictEqual(root.status, 0)
    for (const command of ["dedup", "create", "stats", "query", "post", "inspect", "verify", "bench"]) {
      assert.include(root.stdout, command)
    }
    const dedup = await runIndexCli("dedup", "--help")
    assert.strictEqual(dedup.status, 0)
    assert.include(dedup.stdout, "MurmurHash3 x64-128")
    assert.include(dedup.stdout, "0x62ea60be")
    assert.include(dedup.stdout, "--block-size")
  })
})
