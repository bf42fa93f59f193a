// uds-volume demo, and every read-only command on the volume it writes (runs anywhere). The main
// paths run the real binary; a few variations run the same command line in process, for speed.
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Geometry } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { type CliResult, makeTempDir, overwrite, runCli, runInProcess } from "./runCli.js"

const geometry = Effect.runSync(Geometry.make({ bytesPerPage: 4096, recordPagesPerChapter: 64, chaptersPerVolume: 16 }))
const R = geometry.recordsPerChapter

// Record `index` of virtual chapter `chapter` of the demo's generator run (seed 1).
const record = (chapter: number, index: number) => {
  const records = RecordGenerator.chapters(geometry, 1, chapter, chapter)[0]!
  return {
    name: RecordGenerator.toHex(records.subarray(index * 32, index * 32 + 16)),
    data: RecordGenerator.toHex(records.subarray(index * 32 + 16, index * 32 + 32))
  }
}

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")

describe.concurrent("uds-volume demo and the volume it writes", () => {
  let dir: string
  let volume: string
  let demo: CliResult

  beforeAll(async () => {
    dir = makeTempDir()
    volume = path.join(dir, "demo.volume")
    demo = await runCli("demo", "--dir", dir)
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it("writes 20 chapters that wrap the 16-chapter volume and finds every written name it looks up", () => {
    assert.strictEqual(demo.status, 0, demo.stderr)
    assert.include(demo.stdout, "20 chapters (virtual 0..19)")
    assert.include(demo.stdout, "1024 written names: 1024 found (100.0%), 0 wrong data")
    assert.notInclude(demo.stdout, "hit rate")
    assert.include(demo.stdout, "virtual chapters 4..19 (16 chapters) after reopening")
    assert.match(demo.stdout, /never-written names: 0 found/)
    assert.strictEqual(fs.statSync(volume).size, geometry.bytesPerVolume)
  })

  it("ends with a next: command that runs from a clone set up as the README says (pnpm through npx)", () => {
    assert.match(demo.stdout, /^next:\s+npx --yes pnpm@9\.15\.9 --silent uds-volume inspect (\S+)$/m)
    assert.strictEqual(/^next:.* inspect (\S+)$/m.exec(demo.stdout)?.[1], volume)
  })

  it("describes the volume in demo.volume.json beside it", () => {
    const description = JSON.parse(fs.readFileSync(`${volume}.json`, "utf8"))
    assert.strictEqual(description.format, "uds-volume/1")
    assert.deepStrictEqual(description.geometry, {
      bytesPerPage: 4096,
      recordPagesPerChapter: 64,
      chaptersPerVolume: 16,
      sparseChaptersPerVolume: 0,
      remappedVirtual: 0,
      remappedPhysical: 0
    })
    assert.match(description.nonce, /^[0-9]+$/)
    assert.strictEqual(description.offset, 0)
  })

  it("inspect --json opens the demo volume without flags and shows which chapter each physical chapter holds", async () => {
    const { status, stdout } = await runCli("inspect", volume, "--json")
    assert.strictEqual(status, 0)
    const shown = JSON.parse(stdout)
    assert.strictEqual(shown.geometry.bytesPerVolume, geometry.bytesPerVolume)
    assert.strictEqual(shown.geometry.indexPagesPerChapter, geometry.indexPagesPerChapter)
    assert.strictEqual(shown.nonce, JSON.parse(fs.readFileSync(`${volume}.json`, "utf8")).nonce)
    assert.strictEqual(shown.volumeOffset, 0)
    assert.deepStrictEqual(shown.boundaries, { lowest: 4, highest: 19, isEmpty: false })
    assert.deepStrictEqual(
      shown.chapters,
      Array.from({ length: 16 }, (_, physical) => ({ physical, virtualChapter: physical < 4 ? physical + 16 : physical }))
    )
  })

  it("verify checks all 16 chapters, exits 0 and leaves the file unchanged", async () => {
    const before = sha256(volume)
    const { status, stdout } = await runCli("verify", volume)
    assert.strictEqual(status, 0)
    assert.include(stdout, `checked virtual chapters 4..19: 16 chapters, ${16 * geometry.indexPagesPerChapter} index pages, ` +
      `${16 * 64} record pages, ${16 * R} records`)
    assert.include(stdout, "no problems found")
    assert.strictEqual(sha256(volume), before)
  })

  it("verify --json, with the flag before FILE, prints one object: what it checked and no problems", async () => {
    const { status, stderr, stdout } = await runCli("verify", "--json", volume)
    assert.strictEqual(status, 0, stderr)
    assert.deepStrictEqual(JSON.parse(stdout), {
      boundaries: { lowest: 4, highest: 19, isEmpty: false },
      chapters: 16,
      indexPages: 16 * geometry.indexPagesPerChapter,
      recordPages: 16 * 64,
      records: 16 * R,
      problems: []
    })
  })

  it("lookup --json searches newest to oldest: live records are found, overwritten and unknown names are not", async () => {
    const newest = record(19, 5)
    const oldest = record(4, R - 1)
    const overwritten = record(0, 7)
    const unknown = "00112233445566778899aabbccddeeff"
    const { status, stdout } = await runCli("lookup", volume, newest.name, oldest.name, overwritten.name, unknown, "--json")
    assert.strictEqual(status, 0)
    assert.deepStrictEqual(stdout.trim().split("\n").map((line) => JSON.parse(line)), [
      { found: true, data: newest.data, virtualChapter: 19, scope: "volume" },
      { found: true, data: oldest.data, virtualChapter: 4, scope: "volume" },
      { found: false, data: null, virtualChapter: null, scope: "volume" },
      { found: false, data: null, virtualChapter: null, scope: "volume" }
    ])
  })

  it("lookup --chapter looks in that chapter only", async () => {
    const inChapter = record(18, 100)
    const inOther = record(17, 3)
    const { status, stdout } = await runInProcess("lookup", volume, inChapter.name, inOther.name, "--chapter", "18")
    assert.strictEqual(status, 0)
    assert.deepStrictEqual(stdout.trim().split("\n"), [
      `${inChapter.name}: ${inChapter.data} in virtual chapter 18 (physical chapter 2)`,
      `${inOther.name}: not found`
    ])
  })

  it("boundaries --json finds the chapters the demo left", async () => {
    const { status, stdout } = await runInProcess("boundaries", volume, "--json")
    assert.strictEqual(status, 0)
    assert.deepStrictEqual(JSON.parse(stdout), { lowest: 4, highest: 19, isEmpty: false })
  })

  it("verify exits 1 naming the chapter and page of a corrupted record page, and nothing else", async () => {
    const copy = path.join(dir, "corrupt.volume")
    fs.copyFileSync(volume, copy)
    fs.copyFileSync(`${volume}.json`, `${copy}.json`)
    // Record page 10 of physical chapter 3, which holds virtual chapter 19.
    const pageInChapter = geometry.indexPagesPerChapter + 10
    const physicalPage = Geometry.physicalPage(geometry, 3, pageInChapter)
    overwrite(copy, physicalPage * 4096, crypto.randomBytes(4096))
    const { status, stderr, stdout } = await runCli("verify", copy)
    assert.strictEqual(status, 1)
    const problems = stdout.split("\n").filter((line) => line.startsWith("chapter "))
    assert.lengthOf(problems, 1)
    assert.include(problems[0], `chapter 3 (virtual 19) page ${pageInChapter} (record page 10, physical page ${physicalPage})`)
    assert.include(stdout, "1 problem found")
    assert.include(stderr, "1 problem found")
    const json = await runInProcess("verify", copy, "--json")
    assert.strictEqual(json.status, 1)
    const listed = JSON.parse(json.stdout).problems
    assert.lengthOf(listed, 1)
    assert.deepInclude(listed[0], { physicalChapter: 3, virtualChapter: 19, pageInChapter, physicalPage })
  })

  it("demo --json prints one object with the summary", async () => {
    const target = path.join(dir, "json-demo")
    const { status, stdout } = await runInProcess("demo", "--dir", target, "--chapters", "2", "--json")
    assert.strictEqual(status, 0)
    const summary = JSON.parse(stdout)
    assert.strictEqual(summary.volume, path.join(target, "demo.volume"))
    assert.strictEqual(summary.chapters, 2)
    assert.strictEqual(summary.lookups.found, summary.lookups.present)
    assert.strictEqual(summary.lookups.foundPercent, 100)
    assert.deepStrictEqual(summary.boundaries, { lowest: 0, highest: 1, isEmpty: false })
    assert.strictEqual(summary.next, `npx --yes pnpm@9.15.9 --silent uds-volume inspect ${summary.volume}`)
  })

  it("without --dir writes into a new temp directory and says where", async () => {
    const { status, stdout } = await runInProcess("demo", "--chapters", "2")
    assert.strictEqual(status, 0)
    const file = /^volume:\s+(\S+)/m.exec(stdout)?.[1]
    assert.isDefined(file)
    try {
      assert.isTrue(fs.existsSync(file!) && fs.existsSync(`${file}.json`))
      assert.include(stdout, "virtual chapters 0..1 (2 chapters)")
    } finally {
      fs.rmSync(path.dirname(file!), { recursive: true, force: true })
    }
  })
})
