// uds-index dedup over a planted tree (subprocess): exactly the planted duplicates, a kept index that finds
// everything on a second run, the independent Python count, and bad input.
import { afterAll, assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { makeTempDir } from "./runCli.js"
import {
  isIndexOneLineError,
  makeTooDeep,
  pythonCount,
  pythonPresent,
  removeTree,
  runIndexCli,
  uniqueBytes
} from "./udsIndexRun.js"

const BLOCK = 4096
const dir = makeTempDir()
afterAll(() => removeTree(dir))

// The planted tree:
// - a.bin: 300 distinct blocks and a distinct partial block of 1000 bytes (301 blocks, more than one batch of 256);
// - b/copy1.bin and c/d/copy2.bin: copies of a.bin (602 duplicate blocks);
// - rep.bin: one block five times (4 duplicates);
// - empty.bin: no block;
// - fifo: not a regular file, never opened (opening it would wait for a writer);
// - link-to-a and dangling: symbolic links, not followed (the first would add 301 duplicates);
// - a directory nested past PATH_MAX: listing it fails with ENAMETOOLONG even as root, so it is reported and skipped.
const tree = path.join(dir, "tree")
const a = uniqueBytes(1, 300 * BLOCK + 1000)
fs.mkdirSync(path.join(tree, "b"), { recursive: true })
fs.mkdirSync(path.join(tree, "c", "d"), { recursive: true })
fs.writeFileSync(path.join(tree, "a.bin"), a)
fs.copyFileSync(path.join(tree, "a.bin"), path.join(tree, "b", "copy1.bin"))
fs.copyFileSync(path.join(tree, "a.bin"), path.join(tree, "c", "d", "copy2.bin"))
const one = uniqueBytes(2, BLOCK)
fs.writeFileSync(path.join(tree, "rep.bin"), Buffer.concat([one, one, one, one, one]))
fs.writeFileSync(path.join(tree, "empty.bin"), new Uint8Array(0))
execFileSync("mkfifo", [path.join(tree, "fifo")])
fs.symlinkSync(path.join(tree, "a.bin"), path.join(tree, "link-to-a"))
fs.symlinkSync(path.join(tree, "nowhere"), path.join(tree, "dangling"))
makeTooDeep(tree)

const aBlocks = 301
const expected = {
  files: 5,
  blocks: 3 * aBlocks + 5,
  duplicateBlocks: 2 * aBlocks + 4,
  bytesRead: 3 * a.length + 5 * BLOCK,
  bytesSaved: 2 * a.length + 4 * BLOCK,
  skipped: 1
}
const counts = (shown: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(expected).map((key) => [key, shown[key]]))

describe.concurrent("uds-index dedup (subprocess)", () => {
  it("reports exactly the planted duplicate blocks and bytes, and the entry it could not read", async () => {
    const { status, stderr, stdout } = await runIndexCli("dedup", tree, "--json")
    assert.strictEqual(status, 0, stderr)
    const shown = JSON.parse(stdout)
    assert.deepStrictEqual(counts(shown), expected)
    assert.strictEqual(shown.index.file, null)
    assert.strictEqual(shown.index.memorySize, "tiny")
    assert.strictEqual(shown.stats.postsFound, expected.duplicateBlocks)
    assert.strictEqual(shown.stats.postsNotFound, expected.blocks - expected.duplicateBlocks)
    assert.lengthOf(shown.skippedEntries, 1)
    assert.include(shown.skippedEntries[0].reason, "ENAMETOOLONG")
    assert.match(stderr, /^uds-index: .*d{250}: cannot (list the directory|examine it) \(ENAMETOOLONG\); skipped$/m)
  })

  it("prints the summary and, with --verbose, the first duplicates as file:offset = file:offset", async () => {
    const { status, stdout } = await runIndexCli("dedup", tree, "--verbose")
    assert.strictEqual(status, 0)
    assert.include(stdout, `duplicate blocks: ${expected.duplicateBlocks} `)
    assert.include(stdout, `bytes saved:      ${expected.bytesSaved} `)
    assert.match(stdout, /^dedup ratio:      \d+\.\d{3}:1$/m)
    assert.match(stdout, /^throughput:       [\d.]+ MB\/s, \d+ blocks\/s/m)
    const lines = stdout.split("\n").filter((line) => / = /.test(line)).map((line) => line.trim())
    assert.lengthOf(lines, 10)
    for (const line of lines) {
      const [, file, offset, ofFile, ofOffset] = /^(\S+):(\d+) = (\S+):(\d+)$/.exec(line)!
      // A block of a copy duplicates the block at the same offset of another copy; a block of rep.bin another of its own.
      if (file!.endsWith("rep.bin")) assert.isTrue(ofFile!.endsWith("rep.bin") && ofOffset !== offset, line)
      else assert.isTrue(ofOffset === offset && ofFile !== file && /(a|copy1|copy2)\.bin$/.test(ofFile!), line)
    }
  })

  it("with --index FILE keeps the index, so a second run finds every block", async () => {
    const index = path.join(dir, "kept.bin")
    const first = await runIndexCli("dedup", tree, "--index", index, "--memory", "tiny", "--json")
    assert.strictEqual(first.status, 0, first.stderr)
    assert.deepStrictEqual(counts(JSON.parse(first.stdout)), expected)
    assert.strictEqual(JSON.parse(first.stdout).index.opened, "created")
    const second = await runIndexCli("dedup", tree, "--index", index, "--json")
    assert.strictEqual(second.status, 0, second.stderr)
    const shown = JSON.parse(second.stdout)
    assert.strictEqual(shown.index.opened, "loaded")
    assert.deepStrictEqual(counts(shown), {
      ...expected,
      duplicateBlocks: expected.blocks,
      bytesSaved: expected.bytesRead
    })
    // The kept index verifies clean.
    const verified = await runIndexCli("verify", index)
    assert.strictEqual(verified.status, 0, verified.stdout)
  })

  it.skipIf(!pythonPresent)("gives the same blocks and duplicate blocks as scripts/count_blocks.py (python3)", async () => {
    const python = pythonCount(tree)
    assert.deepStrictEqual(python, expected)
    const { stdout } = await runIndexCli("dedup", tree, path.join(tree, "rep.bin"), "--json")
    const shown = JSON.parse(stdout)
    const again = pythonCount(tree, path.join(tree, "rep.bin"))
    assert.deepStrictEqual(counts(shown), again)
    assert.strictEqual(shown.duplicateBlocks, expected.duplicateBlocks + 5)
  })

  it("counts a partial block by its own bytes with another --block-size", async () => {
    const { status, stdout } = await runIndexCli("dedup", path.join(tree, "a.bin"), path.join(tree, "b"), "--block-size", "65536", "--json")
    assert.strictEqual(status, 0)
    const shown = JSON.parse(stdout)
    const blocks = Math.ceil(a.length / 65536)
    assert.deepStrictEqual([shown.blocks, shown.duplicateBlocks, shown.bytesSaved], [2 * blocks, blocks, a.length])
  })

  it("bad input is a one-line error with exit 2; a missing PATH is reported and skipped", async () => {
    for (const args of [["--block-size", "1000"], ["--memory", "0.3"], ["--block-size", "0x1000"]]) {
      const { status, stderr } = await runIndexCli("dedup", tree, ...args)
      assert.strictEqual(status, 2, args.join(" "))
      assert.isTrue(isIndexOneLineError(stderr), stderr)
    }
    const missing = await runIndexCli("dedup", path.join(dir, "absent"), "--json")
    assert.strictEqual(missing.status, 0)
    assert.deepStrictEqual([JSON.parse(missing.stdout).skipped, JSON.parse(missing.stdout).blocks], [1, 0])
    assert.include(missing.stderr, "ENOENT")
  })
})
