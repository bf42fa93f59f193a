// Bad input to uds-volume: one line on stderr, exit 2, never a stack trace (runs anywhere).
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { type CliResult, isOneLineError, makeTempDir, runCli, runInProcess } from "./runCli.js"

const dir = makeTempDir()
// 64 KiB of random bytes: not a UDS index, and too small for the flags' geometry below.
const junk = path.join(dir, "junk.bin")
fs.writeFileSync(junk, crypto.randomBytes(65536))
const GEOMETRY = ["--bytes-per-page", "4096", "--record-pages-per-chapter", "8", "--chapters-per-volume", "16"]
const FLAGS = [...GEOMETRY, "--nonce", "42"]

type Case = readonly [what: string, args: ReadonlyArray<string>, message: RegExp]

const assertBadInput = ({ status, stderr, stdout }: CliResult, message: RegExp) => {
  assert.strictEqual(status, 2, stderr)
  assert.isTrue(isOneLineError(stderr), stderr)
  assert.match(stderr, message)
  assert.strictEqual(stdout, "")
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

// The real binary, for the contract itself: exit code 2 and one line on stderr.
const binaryCases: ReadonlyArray<Case> = [
  ["a missing file", ["inspect", path.join(dir, "missing.bin")], /missing\.bin: no such file/],
  ["a file that is neither an index nor described", ["verify", junk], /not a UDS index .* --bytes-per-page.*missing: .*--nonce/],
  ["a flag that is not a number", ["inspect", junk, ...FLAGS.slice(2), "--bytes-per-page", "many"],
    /--bytes-per-page must be an integer from 32 to 65536, a multiple of 32 \(decimal digits only\), got "many"/],
  ["a number that is only too large", ["inspect", junk, ...FLAGS, "--offset", "9007199254740993"],
    /--offset must be an integer from 0 to 9007199254740991, got "9007199254740993"/],
  ["a malformed name", ["lookup", junk, "abc123", ...FLAGS], /NAME_HEX must be 32 hex digits .* got "abc123"/]
]

describe.concurrent("uds-volume (subprocess) on bad input", () => {
  for (const [what, args, message] of binaryCases) {
    it(`reports ${what} in one line and exits 2`, async () => assertBadInput(await runCli(...args), message))
  }

  it("with no command exits 2 with a usage hint naming the commands and --help", async () => {
    assertBadInput(await runCli(), /no command given: usage: uds-volume <command>.*demo, inspect, verify, lookup.*uds-volume --help/)
  })
})

// The same command line in process, for every other kind of bad input.
const cases: ReadonlyArray<Case> = [
  ["a directory", ["inspect", dir], /regular file/],
  ["flags describing a volume larger than the file", ["boundaries", junk, ...FLAGS], /needs 593920 bytes .* has 65536/],
  ["an offset leaving too little room", ["inspect", junk, ...FLAGS, "--offset", "70000"], /needs 593920 bytes from byte 70000/],
  ["a geometry out of range", ["inspect", junk, ...FLAGS, "--sparse-chapters-per-volume", "16"],
    /sparseChaptersPerVolume must be an integer from 0 to 15/],
  ["a nonce of 2^64", ["inspect", junk, ...GEOMETRY, "--nonce", "18446744073709551616"], /--nonce must be an integer from 0 to 2\^64 - 1/],
  ["a nonce that is not a number", ["inspect", junk, ...GEOMETRY, "--nonce", "0xZZ"], /--nonce must be/],
  ["flags missing only the nonce", ["inspect", junk, ...GEOMETRY], /missing: --nonce\)/],
  ["a missing NAME_HEX", ["lookup", junk, ...FLAGS], /Missing argument <NAME_HEX>/],
  ["a negative --chapter", ["lookup", junk, "00".repeat(16), "--chapter", "-1", ...FLAGS],
    /--chapter must be an integer from 0 to 9007199254740991 \(decimal digits only\), got "-1"/],
  ["a page size that is not a multiple of 32", ["inspect", junk, ...FLAGS.slice(2), "--bytes-per-page", "4100"],
    /--bytes-per-page must be an integer from 32 to 65536, a multiple of 32, got "4100"/],
  ["a page size in exponent notation", ["inspect", junk, ...FLAGS.slice(2), "--bytes-per-page", "4e3"], /decimal digits only\), got "4e3"/],
  ["a page size in hex", ["inspect", junk, ...FLAGS.slice(2), "--bytes-per-page", "0x1000"], /decimal digits only\), got "0x1000"/],
  ["a chapter count in exponent notation", ["inspect", junk, ...GEOMETRY.slice(0, 4), "--chapters-per-volume", "1e3", "--nonce", "1"],
    /--chapters-per-volume must be an integer from 1 to 4294967295 \(decimal digits only\), got "1e3"/],
  ["a --chapter beyond 2^53", ["lookup", junk, "00".repeat(16), "--chapter", "9007199254740993", ...FLAGS],
    /--chapter must be an integer from 0 to 9007199254740991, got "9007199254740993"/],
  ["an unknown command", ["frobnicate"], /Invalid subcommand/],
  ["a chapter count of 0", ["demo", "--dir", dir, "--chapters", "0"], /--chapters must be an integer from 1 to 100000, got "0"/]
]

describe("uds-volume (in process) on bad input", () => {
  for (const [what, args, message] of cases) {
    it(`reports ${what} in one line and exits 2`, async () => assertBadInput(await runInProcess(...args), message))
  }

  it("reports a description file that does not parse, naming the field", async () => {
    const file = path.join(dir, "described.bin")
    fs.writeFileSync(file, new Uint8Array(4096))
    fs.writeFileSync(`${file}.json`, JSON.stringify({ format: "uds-volume/1", geometry: { bytesPerPage: "big" } }))
    assertBadInput(await runInProcess("inspect", file), /described\.bin\.json: not a volume description: geometry\.bytesPerPage/)
  })

  it("demo refuses to replace a demo.volume it did not make", async () => {
    const target = path.join(dir, "foreign")
    fs.mkdirSync(target)
    fs.writeFileSync(path.join(target, "demo.volume"), "precious")
    assertBadInput(await runInProcess("demo", "--dir", target, "--chapters", "1"), /exists and was not made by demo/)
    assert.strictEqual(fs.readFileSync(path.join(target, "demo.volume"), "utf8"), "precious")
  })
})
