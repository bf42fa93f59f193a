// A volume read with the wrong description (nonce, page size, chapter size) or holding random bytes must
// not pass as empty, and a chapter outside the boundaries is an answer, not an error (runs anywhere).
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { type CliResult, makeTempDir, runCli, runInProcess } from "./runCli.js"

// The demo's geometry, written as flags.
const GEOMETRY = { "--bytes-per-page": "4096", "--record-pages-per-chapter": "64", "--chapters-per-volume": "16" }
const flags = (overrides: Record<string, string>): ReadonlyArray<string> =>
  Object.entries({ ...GEOMETRY, ...overrides }).flat()
const VOLUME_BYTES = 4096 * (1 + 16 * (7 + 64))
const UNMATCHED = /no chapter matches nonce 5: wrong nonce or geometry\?/

describe.concurrent("uds-volume on a volume it cannot read", () => {
  let dir: string
  let volume: string
  let nonce: string

  beforeAll(async () => {
    dir = makeTempDir()
    volume = path.join(dir, "demo.volume")
    // Virtual chapters 0..9 of the 16-chapter demo volume; physical chapters 10..15 were never written.
    const demo = await runInProcess("demo", "--dir", dir, "--chapters", "10")
    assert.strictEqual(demo.status, 0, demo.stderr)
    nonce = JSON.parse(fs.readFileSync(`${volume}.json`, "utf8")).nonce
    fs.writeFileSync(path.join(dir, "random.bin"), crypto.randomBytes(VOLUME_BYTES))
    fs.writeFileSync(path.join(dir, "zero.bin"), new Uint8Array(VOLUME_BYTES))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  const assertUnmatched = ({ status, stdout }: CliResult) => {
    assert.strictEqual(status, 1, stdout)
    assert.match(stdout, UNMATCHED)
    assert.notInclude(stdout, "no problems found")
  }

  it("verify with the wrong --nonce exits 1: no chapter matches the nonce", async () => {
    assertUnmatched(await runCli("verify", volume, "--nonce", "5"))
  })

  it("verify with the wrong --bytes-per-page exits 1", async () => {
    assertUnmatched(await runInProcess("verify", volume, ...flags({ "--bytes-per-page": "2048", "--nonce": "5" })))
    const withItsNonce = await runInProcess("verify", volume, ...flags({ "--bytes-per-page": "2048", "--nonce": nonce }))
    assert.strictEqual(withItsNonce.status, 1, withItsNonce.stdout)
    assert.notInclude(withItsNonce.stdout, "no problems found")
  })

  it("verify with the wrong --record-pages-per-chapter exits 1", async () => {
    const result = await runInProcess("verify", volume, ...flags({ "--record-pages-per-chapter": "32", "--nonce": nonce }))
    assert.strictEqual(result.status, 1, result.stdout)
    assert.notInclude(result.stdout, "no problems found")
  })

  it("verify of random bytes exits 1", async () => {
    assertUnmatched(await runInProcess("verify", path.join(dir, "random.bin"), ...flags({ "--nonce": "5" })))
  })

  it("verify of an all-zero volume still exits 0: it is empty", async () => {
    const { status, stdout } = await runInProcess("verify", path.join(dir, "zero.bin"), ...flags({ "--nonce": "5" }))
    assert.strictEqual(status, 0, stdout)
    assert.include(stdout, "the volume is empty")
    assert.include(stdout, "no problems found")
  })

  it("inspect and boundaries with the wrong --nonce say no chapter matches instead of empty", async () => {
    const inspected = await runInProcess("inspect", volume, "--nonce", "5")
    assert.strictEqual(inspected.status, 0)
    assert.match(inspected.stdout, /^boundaries: no chapter matches nonce 5: wrong nonce or geometry\?/m)
    assert.notInclude(inspected.stdout, "empty")
    const json = JSON.parse((await runInProcess("inspect", volume, "--nonce", "5", "--json")).stdout)
    assert.strictEqual(json.boundaries.isEmpty, true)
    assert.match(json.problem, UNMATCHED)
    const found = await runInProcess("boundaries", volume, "--nonce", "5")
    assert.match(found.stdout, UNMATCHED)
    const zero = await runInProcess("inspect", path.join(dir, "zero.bin"), ...flags({ "--nonce": "5" }), "--json")
    assert.strictEqual(JSON.parse(zero.stdout).problem, null)
  })

  it("lookup --chapter of a chapter outside the boundaries answers that it is not on the volume, exit 0", async () => {
    const name = "00112233445566778899aabbccddeeff"
    const { status, stderr, stdout } = await runCli("lookup", volume, name, "--chapter", "12")
    assert.strictEqual(status, 0, stderr)
    assert.strictEqual(stdout.trim(), "not found: chapter 12 is not on the volume (boundaries 0..9)")
    const json = await runInProcess("lookup", volume, name, name, "--chapter", "12", "--json")
    assert.strictEqual(json.status, 0, json.stderr)
    const answers = json.stdout.trim().split("\n").map((line) => JSON.parse(line))
    assert.lengthOf(answers, 2)
    for (const answer of answers) {
      assert.deepStrictEqual(answer, {
        found: false,
        data: null,
        virtualChapter: null,
        scope: "volume",
        note: "chapter 12 is not on the volume (boundaries 0..9)"
      })
    }
  })

  it("lookup --chapter on an empty volume says the volume is empty", async () => {
    const name = "00112233445566778899aabbccddeeff"
    const { status, stdout } = await runInProcess("lookup", path.join(dir, "zero.bin"), name, "--chapter", "0", ...flags({ "--nonce": "5" }))
    assert.strictEqual(status, 0)
    assert.strictEqual(stdout.trim(), "not found: chapter 0 is not on the volume (it is empty)")
  })
})
