// uds-index create, post, query and stats (subprocess): a new index, a post that stores and one that finds,
// queries that change nothing, and the reference's index-tiny read without being written.
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { readMeta, skipReason, vectorsDir, vectorsPresent } from "../support/vectors.js"
import { makeTempDir } from "./runCli.js"
import { isIndexOneLineError, runIndexCli } from "./udsIndexRun.js"

const dir = makeTempDir()
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const NAME = "00112233445566778899aabbccddeeff"
const OTHER = "ffeeddccbbaa99887766554433221100"
const DATA = "0102030405060708090a0b0c0d0e0f10"

describe("uds-index create, post, query, stats (subprocess)", () => {
  const file = path.join(dir, "index.bin")

  it("create makes an index that inspect reads, and refuses an existing file", async () => {
    const made = await runIndexCli("create", file, "--memory", "tiny")
    assert.strictEqual(made.status, 0, made.stderr)
    assert.include(made.stdout, "created a tiny dense index, 1 zone, 7696384 bytes")
    const shown = JSON.parse((await runIndexCli("inspect", file, "--json")).stdout)
    assert.strictEqual(shown.configuration.memorySize, "tiny")
    assert.strictEqual(shown.fileSize, 7696384)
    const again = await runIndexCli("create", file, "--memory", "tiny")
    assert.strictEqual(again.status, 2)
    assert.isTrue(isIndexOneLineError(again.stderr), again.stderr)
    assert.include(again.stderr, "already exists")
  })

  it("post stores a name, a second post finds it with the first data; query finds it and changes nothing", async () => {
    const first = JSON.parse((await runIndexCli("post", file, NAME, DATA, "--json")).stdout)
    assert.deepStrictEqual(first, { name: NAME, found: false, data: null, location: "unavailable" })
    const second = JSON.parse((await runIndexCli("post", file, NAME, "ff".repeat(16), "--json")).stdout)
    assert.deepStrictEqual([second.found, second.data], [true, DATA])
    const before = fs.readFileSync(file)
    const { status, stdout } = await runIndexCli("query", file, NAME, OTHER, "--json")
    assert.strictEqual(status, 0)
    const answers = stdout.trim().split("\n").map((line) => JSON.parse(line))
    assert.deepStrictEqual(answers.map((a) => [a.name, a.found, a.data]), [[NAME, true, DATA], [OTHER, false, null]])
    const stats = JSON.parse((await runIndexCli("stats", file, "--json")).stdout)
    assert.strictEqual(stats.opened, "loaded")
    assert.strictEqual(stats.entriesIndexed, 1)
    assert.isTrue(before.equals(fs.readFileSync(file)), "query and stats must not write the file")
  })

  it("malformed names and data, and a memory size not allowed, are one-line errors with exit 2", async () => {
    for (const args of [["query", file, "abc"], ["post", file, NAME, "zz"], ["create", path.join(dir, "x.bin"), "--memory", "3.5"]]) {
      const { status, stderr } = await runIndexCli(...args)
      assert.strictEqual(status, 2, args.join(" "))
      assert.isTrue(isIndexOneLineError(stderr), stderr)
    }
    assert.isFalse(fs.existsSync(path.join(dir, "x.bin")))
  })
})

describe.skipIf(!vectorsPresent)(`uds-index query and stats on index-tiny (subprocess) ${vectorsPresent ? "" : skipReason}`, () => {
  const file = path.join(vectorsDir, "index-tiny", "index.bin")
  const samples = vectorsPresent
    ? (readMeta("index-tiny")["samples"] as ReadonlyArray<{ readonly name: string; readonly metadata: string }>)
    : []

  it("query finds the 20 sample names with their metadata, and neither it nor stats writes the vector", async () => {
    const before = fs.statSync(file).mtimeMs
    const { status, stdout } = await runIndexCli("query", file, ...samples.map((s) => s.name), "--json")
    assert.strictEqual(status, 0)
    const answers = stdout.trim().split("\n").map((line) => JSON.parse(line))
    assert.deepStrictEqual(answers.map((a) => a.data), samples.map((s) => s.metadata))
    const stats = JSON.parse((await runIndexCli("stats", file, "--json")).stdout)
    assert.deepStrictEqual([stats.opened, stats.entriesIndexed, stats.chapters], ["loaded", 100000, { oldest: 0, newest: 3 }])
    assert.strictEqual(fs.statSync(file).mtimeMs, before)
  })
})
