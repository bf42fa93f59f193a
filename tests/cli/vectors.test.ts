// uds-volume on the golden vectors: the reference's whole index (index-tiny) and every raw volume vector.
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { Geometry } from "@effect-uds/volume"
import {
  geometryOf,
  type MetaGeometry,
  readMeta,
  skipReason,
  vectorsDir,
  vectorsPresent,
  volumeVectorNames
} from "../support/vectors.js"
import { type CliResult, isOneLineError, makeTempDir, overwrite, runCli, runInProcess } from "./runCli.js"

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

// Every geometry field of a meta.json, under its API.md name.
const expectedGeometry = (geometry: MetaGeometry) =>
  Object.fromEntries(Object.entries(geometry).map(([key, value]) => [camel(key), value]))

// The fields of `shown` that meta.json also has.
const sameFields = (shown: Record<string, unknown>, expected: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(expected).map((key) => [key, shown[key]]))

const dir = vectorsPresent ? makeTempDir() : ""
afterAll(() => {
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!vectorsPresent).concurrent(`uds-volume on index-tiny (subprocess) ${vectorsPresent ? "" : skipReason}`, () => {
  const file = path.join(vectorsDir, "index-tiny", "index.bin")
  const meta = vectorsPresent ? readMeta("index-tiny") : undefined
  const samples = (meta?.["samples"] ?? []) as ReadonlyArray<{ readonly name: string; readonly metadata: string }>

  it("inspect --json shows the configured geometry, the volume nonce and the volume region at byte 8192", async () => {
    const { status, stdout } = await runCli("inspect", file, "--json")
    assert.strictEqual(status, 0)
    const shown = JSON.parse(stdout)
    const expected = expectedGeometry(meta!.geometry)
    assert.deepStrictEqual(sameFields(shown.geometry, expected), expected)
    assert.strictEqual(shown.nonce, meta!.volume_nonce)
    assert.strictEqual(shown.volumeOffset, 8192)
    // 100,000 names fill chapters 0..2; chapter 3 was still open when the index was saved.
    assert.deepStrictEqual(shown.boundaries, { lowest: 0, highest: 2, isEmpty: false })
    assert.deepStrictEqual(shown.chapters.map((c: { virtualChapter: number | null }) => c.virtualChapter), [0, 1, 2, null])
  })

  it("verify finds no problem in the three chapters", async () => {
    const { status, stdout } = await runCli("verify", file)
    assert.strictEqual(status, 0)
    assert.include(stdout, "checked virtual chapters 0..2: 3 chapters, 9 index pages, 96 record pages, 98304 records")
    assert.include(stdout, "no problems found")
  })

  it("lookup finds all 20 sample names with their metadata, searching every chapter", async () => {
    assert.lengthOf(samples, 20)
    const { status, stdout } = await runCli("lookup", file, ...samples.map((sample) => sample.name), "--json")
    assert.strictEqual(status, 0)
    const answers = stdout.trim().split("\n").map((line) => JSON.parse(line))
    assert.deepStrictEqual(answers.map((answer) => answer.data), samples.map((sample) => sample.metadata))
    assert.deepStrictEqual(answers.map((answer) => answer.scope), samples.map(() => "volume"))
  })

  it("lookup marks every answer on a whole index as searching the volume region only", async () => {
    const unknown = "00112233445566778899aabbccddeeff"
    const { status, stdout } = await runInProcess("lookup", file, samples[0]!.name, unknown)
    assert.strictEqual(status, 0)
    const [found, notFound] = stdout.trim().split("\n")
    assert.match(found!, new RegExp(`^${samples[0]!.name}: ${samples[0]!.metadata} in virtual chapter \\d+ .*\\[volume region only\\]$`))
    assert.strictEqual(notFound, `${unknown}: not found [volume region only]`)
  })

  it("refuses an index whose super block is corrupt, in one line", async () => {
    const copy = path.join(dir, "index.bin")
    fs.copyFileSync(file, copy)
    fs.chmodSync(copy, 0o644)
    // The primary nonce in the super block's payload (after the 24-byte header and 7 region entries).
    const at = 24 + 7 * 24 + 64
    overwrite(copy, at, Uint8Array.of(fs.readFileSync(copy)[at]! ^ 1))
    const result = await runInProcess("inspect", copy)
    assert.strictEqual(result.status, 2)
    assert.isTrue(isOneLineError(result.stderr), result.stderr)
    assert.match(result.stderr, /corrupt UDS index: primary nonce/)
  })
})

// The flags describing a raw volume vector.
const flagsOf = (name: string): ReadonlyArray<string> => {
  const meta = readMeta(name)
  const g = meta.geometry
  return [
    "--bytes-per-page", String(g.bytes_per_page),
    "--record-pages-per-chapter", String(g.record_pages_per_chapter),
    "--chapters-per-volume", String(g.chapters_per_volume),
    "--sparse-chapters-per-volume", String(g.sparse_chapters_per_volume),
    "--nonce", meta.volume_nonce
  ]
}

// A copy of the vector with one record page overwritten; the chapter and page a verify must name.
const corruptCopy = (name: string) => {
  const meta = readMeta(name)
  const geometry = geometryOf(meta)
  const virtualChapter = meta.find_volume_chapter_boundaries.highest
  const chapter = Geometry.mapToPhysicalChapter(geometry, virtualChapter)
  const pageInChapter = geometry.indexPagesPerChapter + 1
  const physicalPage = Geometry.physicalPage(geometry, chapter, pageInChapter)
  const copy = path.join(dir, `${name}.bin`)
  fs.copyFileSync(path.join(vectorsDir, name, "volume.bin"), copy)
  fs.chmodSync(copy, 0o644)
  overwrite(copy, physicalPage * geometry.bytesPerPage, new Uint8Array(geometry.bytesPerPage).fill(0x5a))
  return { copy, where: `chapter ${chapter} (virtual ${virtualChapter}) page ${pageInChapter} (record page 1, ` }
}

const assertNamesOnly = (result: CliResult, where: string) => {
  assert.strictEqual(result.status, 1)
  const problems = result.stdout.split("\n").filter((line) => line.startsWith("chapter "))
  assert.lengthOf(problems, 1, result.stdout)
  assert.include(problems[0], where)
}

describe.skipIf(!vectorsPresent)(`uds-volume on the raw volume vectors ${vectorsPresent ? "" : skipReason}`, () => {
  for (const name of volumeVectorNames) {
    const file = path.join(vectorsDir, name, "volume.bin")

    it(`${name}: inspect --json and boundaries --json match meta.json`, async () => {
      const meta = readMeta(name)
      const [inspected, found] = await Promise.all([
        runInProcess("inspect", file, "--json", ...flagsOf(name)),
        runInProcess("boundaries", file, "--json", ...flagsOf(name))
      ])
      assert.strictEqual(inspected.status, 0, inspected.stderr)
      const shown = JSON.parse(inspected.stdout)
      const expected = expectedGeometry(meta.geometry)
      assert.deepStrictEqual(sameFields(shown.geometry, expected), expected)
      assert.strictEqual(shown.nonce, meta.volume_nonce)
      assert.strictEqual(shown.volumeOffset, 0)
      const boundaries = meta.find_volume_chapter_boundaries
      const expectedBoundaries = { lowest: boundaries.lowest, highest: boundaries.highest, isEmpty: boundaries.is_empty }
      assert.deepStrictEqual(shown.boundaries, expectedBoundaries)
      assert.deepStrictEqual(shown.chapters.map((c: { virtualChapter: number | null }) => c.virtualChapter), meta.physical_chapter_vcn)
      assert.strictEqual(found.status, 0)
      assert.deepStrictEqual(JSON.parse(found.stdout), expectedBoundaries)
    })

    it(`${name}: verify exits 0, and 1 naming the chapter and page of one overwritten record page`, async () => {
      const clean = await runInProcess("verify", file, ...flagsOf(name))
      assert.strictEqual(clean.status, 0, clean.stdout)
      assert.include(clean.stdout, "no problems found")
      const { copy, where } = corruptCopy(name)
      assertNamesOnly(await runInProcess("verify", copy, ...flagsOf(name)), where)
    })
  }

  it("dense-multiindex through the real binary: verify of a corrupted copy exits 1 naming the page", async () => {
    const { copy, where } = corruptCopy("dense-multiindex")
    assertNamesOnly(await runCli("verify", copy, ...flagsOf("dense-multiindex")), where)
  })
})
