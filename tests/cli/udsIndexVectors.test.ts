// uds-index inspect and verify on the reference's whole index (index-tiny), read-only, and on damaged copies.
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { readMeta, skipReason, vectorsDir, vectorsPresent } from "../support/vectors.js"
import { makeTempDir, overwrite } from "./runCli.js"
import { isIndexOneLineError, runIndexCli } from "./udsIndexRun.js"

const dir = makeTempDir()
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("uds-index on bad input (subprocess)", () => {
  it("a file that is not an index is a one-line error, exit 2", async () => {
    const junk = path.join(dir, "junk.bin")
    fs.writeFileSync(junk, new Uint8Array(16384).fill(0x5a))
    for (const command of ["inspect", "verify"]) {
      const { status, stderr } = await runIndexCli(command, junk)
      assert.strictEqual(status, 2, command)
      assert.isTrue(isIndexOneLineError(stderr), stderr)
      assert.include(stderr, "not a UDS index: region table magic")
    }
  })

  it("a missing file and no command at all are one-line errors, exit 2", async () => {
    const missing = await runIndexCli("inspect", path.join(dir, "absent.bin"))
    assert.strictEqual(missing.status, 2)
    assert.isTrue(isIndexOneLineError(missing.stderr), missing.stderr)
    assert.include(missing.stderr, "no such file")
    const none = await runIndexCli()
    assert.strictEqual(none.status, 2)
    assert.include(none.stderr, "no command given")
  })
})

describe.skipIf(!vectorsPresent).concurrent(`uds-index on index-tiny (subprocess) ${vectorsPresent ? "" : skipReason}`, () => {
  const file = path.join(vectorsDir, "index-tiny", "index.bin")
  const meta = vectorsPresent ? readMeta("index-tiny") : undefined

  it("inspect --json gives its configuration, regions, both saved slots and the open chapter's 1696 records", async () => {
    const before = fs.statSync(file).mtimeMs
    const { status, stdout } = await runIndexCli("inspect", file, "--json")
    assert.strictEqual(status, 0)
    const shown = JSON.parse(stdout)
    assert.strictEqual(shown.configuration.memorySize, "tiny")
    assert.strictEqual(shown.configuration.sparse, false)
    assert.strictEqual(shown.indexBytes, meta!["uds_compute_index_size"])
    assert.strictEqual(shown.fileSize, meta!["file_size"])
    assert.strictEqual(shown.volumeNonce, meta!.volume_nonce)
    assert.strictEqual(shown.geometry.chaptersPerVolume, 4)
    assert.deepStrictEqual(
      shown.regions.map((r: { kind: string; startBlock: number; blockCount: number }) => [r.kind, r.startBlock, r.blockCount]),
      [["Header", 0, 1], ["Config", 1, 1], ["Index", 2, 1876], ["Volume", 2, 1128], ["Save", 1130, 374], ["Save", 1504, 374], [
        "Seal",
        1878,
        1
      ]]
    )
    assert.strictEqual(shown.regions[3].byteOffset, (meta!["volume_region"] as { byte_offset: number }).byte_offset)
    assert.deepStrictEqual(shown.slots.map((s: { state: string }) => s.state), ["saved", "saved"])
    for (const slot of shown.slots) {
      // 100,000 posts: chapters 0..2 closed (3 × 32768 records), 1696 records in open chapter 3.
      assert.deepStrictEqual([slot.oldestChapter, slot.newestChapter, slot.lastSave, slot.zones], ["0", "3", "2", 1])
      assert.strictEqual(slot.openChapterRecords, 100000 - 3 * 32768)
    }
    // The newer save is the one a load uses.
    const newer = BigInt(shown.slots[1].timestamp) > BigInt(shown.slots[0].timestamp) ? 1 : 0
    assert.strictEqual(shown.current, newer)
    // The newest save's volume index loads with every name posted.
    assert.strictEqual(shown.volumeIndex.entries, (meta!["stats_after_post"] as { entries_indexed: number }).entries_indexed)
    assert.isNull(shown.volumeIndex.problem)
    assert.strictEqual(fs.statSync(file).mtimeMs, before)
  })

  it("verify finds the layout clean", async () => {
    const { status, stdout } = await runIndexCli("verify", file)
    assert.strictEqual(status, 0, stdout)
    assert.include(stdout, "2 save slots checked (2 saved")
    assert.include(stdout, "volume index: all 100000 entries point at live chapters")
    assert.include(stdout, "no problems found")
  })

  it("verify of a copy whose saved volume index has entries past its newest chapter exits 1 naming them", async () => {
    const copy = path.join(dir, "volume-index-damaged.bin")
    fs.copyFileSync(file, copy)
    fs.chmodSync(copy, 0o644)
    // Slot 1's volume index zone 0 starts at block 1506; its MI5 header's high (u64 at +24) goes from 3 to 2,
    // so the 1696 entries of open chapter 3 point past it.
    overwrite(copy, 1506 * 4096 + 24, Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0))
    const { status, stdout } = await runIndexCli("verify", copy)
    assert.strictEqual(status, 1, stdout)
    assert.include(stdout, "volume index: 1696 of 100000 entries point past the newest chapter")
  })

  it("verify of a copy with a save slot header damaged exits 1 naming the slot and what is wrong", async () => {
    const copy = path.join(dir, "slot-damaged.bin")
    fs.copyFileSync(file, copy)
    fs.chmodSync(copy, 0o644)
    // Slot 0's header block is block 1130; its save payload starts after the table's 24-byte header and 4 entries.
    overwrite(copy, 1130 * 4096 + 24 + 4 * 24 + 8, Uint8Array.of(1, 2, 3, 4))
    const { status, stdout, stderr } = await runIndexCli("verify", copy)
    assert.strictEqual(status, 1, stderr)
    assert.match(stdout, /^save slot 0: save nonce \d+ is not the one its timestamp and place give/m)
    assert.include(stdout, "1 problem found")
    assert.isTrue(isIndexOneLineError(stderr), stderr)
  })

  it("verify of a copy whose saved open chapter is damaged exits 1 naming it", async () => {
    const copy = path.join(dir, "open-chapter-damaged.bin")
    fs.copyFileSync(file, copy)
    fs.chmodSync(copy, 0o644)
    // Slot 1's open chapter region starts at block 1621.
    overwrite(copy, 1621 * 4096, new TextEncoder().encode("XLBOC"))
    const { status, stdout } = await runIndexCli("verify", copy)
    assert.strictEqual(status, 1)
    assert.include(stdout, "save slot 1: open chapter: no ALBOC magic")
  })
})
