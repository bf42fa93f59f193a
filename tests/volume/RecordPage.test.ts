import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Option } from "effect"
import { Geometry, RecordPage, VolumeError } from "@effect-uds/volume"

const geometryFor = (recordsPerPage: number, tail = 0): Geometry.Geometry =>
  Effect.runSync(Geometry.make({ bytesPerPage: 32 * recordsPerPage + tail, recordPagesPerChapter: 1, chaptersPerVolume: 1 }))

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
const nameOf = (records: Uint8Array, i: number): Uint8Array => records.subarray(32 * i, 32 * i + 16)
const dataOf = (records: Uint8Array, i: number): Uint8Array => records.subarray(32 * i + 16, 32 * i + 32)
const compareNames = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)

// A small deterministic byte source (xorshift32), so one integer seed stands for a whole page.
const byteSource = (seed: number) => {
  let state = (seed | 0) || 0x9e3779b9
  return (): number => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state & 0xff
  }
}

/** How the records of a generated page look. */
interface PageSpec {
  readonly recordsPerPage: number
  readonly tail: number
  readonly seed: number
  // The first `sharedPrefix` name bytes are mostly 0x80, else one of {0x00, 0x7f, 0xff}, so many names tie
  // on them (or entirely); data is a function of the name, so equal names are byte-identical records.
  readonly sharedPrefix: number
  // This many records are byte-identical copies of one record (the chapter's fill record).
  readonly duplicates: number
}

const pageSpec: fc.Arbitrary<PageSpec> = fc
  .record({
    recordsPerPage: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 1100 })),
    tail: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 31 })),
    seed: fc.integer(),
    sharedPrefix: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 16 })),
    duplicateShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }))
  })
  .map(({ duplicateShare, ...rest }) => ({
    ...rest,
    duplicates: Math.floor(duplicateShare * (rest.recordsPerPage - 1))
  }))

const prefixAlphabet = [0x00, 0x7f, 0x80, 0xff]

const randomName = (next: () => number, sharedPrefix: number, out: Uint8Array, at: number): void => {
  for (let b = 0; b < 16; b++) {
    out[at + b] = b >= sharedPrefix ? next() : (next() & 7) === 0 ? prefixAlphabet[next() & 3]! : 0x80
  }
}

const makeRecords = (spec: PageSpec): Uint8Array => {
  const next = byteSource(spec.seed)
  const records = new Uint8Array(32 * spec.recordsPerPage)
  for (let i = 0; i < spec.recordsPerPage; i++) {
    randomName(next, spec.sharedPrefix, records, 32 * i)
    for (let b = 0; b < 16; b++) records[32 * i + 16 + b] = records[32 * i + 15 - b]! ^ (37 * b)
  }
  // Overwrite records spread over the page with copies of record 0.
  for (let d = 1; d <= spec.duplicates; d++) {
    const at = (d * 7919) % spec.recordsPerPage
    if (at !== 0) records.copyWithin(32 * at, 0, 32)
  }
  return records
}

const sortedNames = (records: Uint8Array): Array<Uint8Array> =>
  Array.from({ length: records.length / 32 }, (_, i) => nameOf(records, i)).sort(compareNames)

// The slots of a page in in-order (left subtree, node, right subtree).
const inOrderSlots = (n: number): Array<number> => {
  const slots: Array<number> = []
  const visit = (k: number): void => {
    if (k >= n) return
    visit(2 * k + 1)
    slots.push(k)
    visit(2 * k + 2)
  }
  visit(0)
  return slots
}

describe("RecordPage", () => {
  it.prop("finds every record with its data and no absent name", { spec: pageSpec }, ({ spec }) => {
    const geometry = geometryFor(spec.recordsPerPage, spec.tail)
    const records = makeRecords(spec)
    const page = RecordPage.encode(geometry, records)
    assert.strictEqual(page.length, geometry.bytesPerPage)
    const oracle = new Map<string, string>()
    for (let i = 0; i < spec.recordsPerPage; i++) oracle.set(hex(nameOf(records, i)), hex(dataOf(records, i)))
    for (let i = 0; i < spec.recordsPerPage; i++) {
      const found = RecordPage.search(geometry, page, nameOf(records, i))
      assert.strictEqual(found === undefined ? "absent" : hex(found), oracle.get(hex(nameOf(records, i))))
    }
    const next = byteSource(spec.seed ^ 0x5bd1e995)
    for (let probe = 0; probe < 64; probe++) {
      const name = new Uint8Array(16)
      randomName(next, spec.sharedPrefix, name, 0)
      if (!oracle.has(hex(name))) assert.isUndefined(RecordPage.search(geometry, page, name))
    }
  }, { fastCheck: { numRuns: 60 } })

  it.prop("lays out a binary search tree: in-order slots hold the names sorted", { spec: pageSpec }, ({ spec }) => {
    const geometry = geometryFor(spec.recordsPerPage, spec.tail)
    const records = makeRecords(spec)
    const page = RecordPage.encode(geometry, records)
    const walked = inOrderSlots(spec.recordsPerPage).map((slot) => hex(nameOf(page, slot)))
    assert.deepStrictEqual(walked, sortedNames(records).map(hex))
  }, { fastCheck: { numRuns: 60 } })

  it.prop("stores each input record once, byte for byte, and zeroes the tail", { spec: pageSpec }, ({ spec }) => {
    const geometry = geometryFor(spec.recordsPerPage, spec.tail)
    const records = makeRecords(spec)
    const page = RecordPage.encode(geometry, records)
    const asSet = (bytes: Uint8Array) =>
      Array.from({ length: spec.recordsPerPage }, (_, i) => hex(bytes.subarray(32 * i, 32 * i + 32))).sort()
    assert.deepStrictEqual(asSet(page), asSet(records))
    assert.isTrue(page.subarray(32 * spec.recordsPerPage).every((byte) => byte === 0))
  }, { fastCheck: { numRuns: 40 } })

  it.prop("gives the same bytes whatever the input order, duplicates included", { spec: pageSpec }, ({ spec }) => {
    const geometry = geometryFor(spec.recordsPerPage, spec.tail)
    const records = makeRecords(spec)
    const reversed = new Uint8Array(records.length)
    for (let i = 0; i < spec.recordsPerPage; i++) {
      reversed.set(records.subarray(32 * i, 32 * i + 32), 32 * (spec.recordsPerPage - 1 - i))
    }
    assert.deepStrictEqual(RecordPage.encode(geometry, reversed), RecordPage.encode(geometry, records))
  }, { fastCheck: { numRuns: 40 } })

  it.prop(
    "encodeInto at any offsets writes the same slots as encode and leaves other bytes alone",
    { spec: pageSpec, from: fc.integer({ min: 0, max: 7 }), to: fc.integer({ min: 0, max: 7 }) },
    ({ spec, from, to }) => {
      const geometry = geometryFor(spec.recordsPerPage, spec.tail)
      const records = makeRecords(spec)
      const source = new Uint8Array(from + records.length)
      source.set(records, from)
      const out = new Uint8Array(to + geometry.bytesPerPage + 3).fill(0xee)
      RecordPage.encodeInto(geometry, source, from, out, to)
      const slotBytes = 32 * spec.recordsPerPage
      assert.deepStrictEqual(out.subarray(to, to + slotBytes), RecordPage.encode(geometry, records).subarray(0, slotBytes))
      assert.isTrue(out.subarray(0, to).every((byte) => byte === 0xee))
      assert.isTrue(out.subarray(to + slotBytes).every((byte) => byte === 0xee))
    },
    { fastCheck: { numRuns: 40 } }
  )

  // Rows of record-page.md §4: the slot of each rank.
  const placements: ReadonlyArray<readonly [number, ReadonlyArray<number>]> = [
    [1, [0]],
    [3, [1, 0, 2]],
    [4, [3, 1, 0, 2]],
    [6, [3, 1, 4, 0, 5, 2]],
    [7, [3, 1, 4, 0, 5, 2, 6]],
    [10, [7, 3, 8, 1, 9, 4, 0, 5, 2, 6]]
  ]
  for (const [n, slots] of placements) {
    it(`places the ${n} ranks in the spec's slots ${slots.join(", ")}`, () => {
      const geometry = geometryFor(n)
      // Record of rank r: name = r in its last byte, data tags the rank; given in reverse order.
      const records = new Uint8Array(32 * n)
      for (let rank = 0; rank < n; rank++) {
        const at = 32 * (n - 1 - rank)
        records[at + 15] = rank
        records[at + 16] = rank
      }
      const page = RecordPage.encode(geometry, records)
      assert.deepStrictEqual(slots.map((slot) => page[32 * slot + 16]), slots.map((_, rank) => rank))
    })
  }

  it("puts the smallest name of a 1024-record page in slot 1023, the lone node at depth 10", () => {
    const geometry = geometryFor(1024)
    const records = new Uint8Array(32 * 1024)
    for (let i = 0; i < 1024; i++) {
      records[32 * i] = i >> 8
      records[32 * i + 1] = i & 0xff
    }
    const page = RecordPage.encode(geometry, records)
    assert.deepStrictEqual([page[32 * 1023], page[32 * 1023 + 1]], [0, 0])
    // The last in-order slot (the largest name, 1023) is the rightmost node, 2^10 - 2 = 1022.
    assert.deepStrictEqual([page[32 * 1022], page[32 * 1022 + 1]], [3, 0xff])
    assert.strictEqual(RecordPage.findSlot(page, nameOf(records, 0), 1024), 1023)
  })

  it("orders names by unsigned bytes, byte 0 first", () => {
    const geometry = geometryFor(3)
    const records = new Uint8Array(96)
    records.set([0x80], 0) // 80 00 ..
    records.set([0x7f, 0xff], 32) // 7f ff ..
    records.set([0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 64) // 80 00 .. 01
    const page = RecordPage.encode(geometry, records)
    assert.deepStrictEqual([page[32], page[0], page[64 + 15]], [0x7f, 0x80, 1])
  })

  it("finds the all-zero name only when a record has it", () => {
    const geometry = geometryFor(4)
    const records = new Uint8Array(128)
    for (let i = 0; i < 4; i++) records[32 * i] = i + 1
    const zero = new Uint8Array(16)
    assert.isUndefined(RecordPage.search(geometry, RecordPage.encode(geometry, records), zero))
    records.fill(0, 64, 80)
    records[80] = 42
    assert.strictEqual(RecordPage.search(geometry, RecordPage.encode(geometry, records), zero)?.[0], 42)
  })

  it("returns a copy of the data, not a view of the page", () => {
    const geometry = geometryFor(2)
    const records = new Uint8Array(64)
    records[0] = 1
    records[16] = 9
    const page = RecordPage.encode(geometry, records)
    const data = RecordPage.search(geometry, page, nameOf(records, 0))!
    data[0] = 0
    assert.strictEqual(RecordPage.search(geometry, page, nameOf(records, 0))?.[0], 9)
    assert.strictEqual(data.length, 16)
  })

  it.prop(
    "still finds, in a truncated page, exactly the records in whole slots",
    { spec: pageSpec, keep: fc.double({ min: 0, max: 1, noNaN: true }) },
    ({ spec, keep }) => {
      const geometry = geometryFor(spec.recordsPerPage, spec.tail)
      const records = makeRecords(spec)
      const page = RecordPage.encode(geometry, records)
      const length = Math.floor(keep * page.length)
      const short = page.slice(0, length)
      const whole = length >>> 5
      for (let i = 0; i < spec.recordsPerPage; i++) {
        const slot = RecordPage.findSlot(page, nameOf(records, i), spec.recordsPerPage)
        const found = RecordPage.findSlot(short, nameOf(records, i), spec.recordsPerPage)
        // A duplicate name may be met higher in the tree; either way the walk is the full page's walk, cut short.
        assert.strictEqual(found, slot < whole ? slot : -1)
      }
    },
    { fastCheck: { numRuns: 40 } }
  )

  it.prop(
    "never throws on arbitrary page bytes and lengths; search throws only InvalidArgument for a name not of 16 bytes",
    {
      recordsPerPage: fc.integer({ min: 1, max: 2048 }),
      page: fc.uint8Array({ maxLength: 2200 }),
      name: fc.uint8Array({ maxLength: 20 })
    },
    ({ recordsPerPage, page, name }) => {
      const geometry = geometryFor(recordsPerPage)
      if (name.length === 16) {
        const found = RecordPage.search(geometry, page, name)
        assert.isTrue(found === undefined || found.length === 16)
      } else {
        assert.throws(() => RecordPage.search(geometry, page, name), VolumeError.InvalidArgument, "16 bytes")
      }
      const slot = RecordPage.findSlot(page, name, recordsPerPage)
      assert.isTrue(slot >= -1 && slot < Math.min(recordsPerPage, page.length / 32))
    },
    { fastCheck: { numRuns: 200 } }
  )

  it("finds a name stored in a page of random bytes at the root", () => {
    const page = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff)
    const geometry = geometryFor(128)
    assert.deepStrictEqual(RecordPage.search(geometry, page, page.subarray(0, 16)), page.slice(16, 32))
  })

  it("rejects a records buffer of the wrong length with InvalidArgument naming the sizes", () => {
    const geometry = geometryFor(128)
    const error = RecordPage.validateRecords(geometry, new Uint8Array(4064))
    assert.strictEqual(error?._tag, "InvalidArgument")
    assert.include(error?.message, "128 records (4096 bytes), got 4064")
    assert.isUndefined(RecordPage.validateRecords(geometry, new Uint8Array(4096)))
    const either = RecordPage.encodeEither(geometry, new Uint8Array(4128))
    assert.isTrue(Either.isLeft(either) && either.left._tag === "InvalidArgument")
    assert.throws(() => RecordPage.encode(geometry, new Uint8Array(10)), VolumeError.InvalidArgument, "128 records")
    assert.throws(() => RecordPage.encode(geometry, null as unknown as Uint8Array), VolumeError.InvalidArgument, "got null")
  })

  it("search of a name that is not 16 bytes gives InvalidArgument instead of an answer", () => {
    const geometry = geometryFor(4)
    const records = makeRecords({ recordsPerPage: 4, tail: 0, seed: 9, sharedPrefix: 0, duplicates: 0 })
    const page = RecordPage.encode(geometry, records)
    // A 17-byte name whose first 16 bytes are a stored name: it used to find that record.
    const longName = new Uint8Array(17)
    longName.set(nameOf(records, 2))
    assert.throws(() => RecordPage.search(geometry, page, longName), VolumeError.InvalidArgument, "16 bytes, got 17")
    const either = RecordPage.searchEither(geometry, page, longName)
    assert.isTrue(Either.isLeft(either) && either.left.message.includes("16 bytes, got 17"))
    const bad = RecordPage.searchEither(geometry, null as unknown as Uint8Array, nameOf(records, 2))
    assert.isTrue(Either.isLeft(bad) && bad.left.message.includes("page must be a Uint8Array"))
    // A good name still answers, through both.
    const found = RecordPage.searchEither(geometry, page, nameOf(records, 2).slice())
    assert.isTrue(Either.isRight(found) && Option.isSome(found.right))
    assert.strictEqual(hex(Option.getOrThrow(Either.getOrThrow(found))), hex(dataOf(records, 2)))
    const absent = RecordPage.searchEither(geometry, page, new Uint8Array(16).fill(0x5a))
    assert.isTrue(Either.isRight(absent) && Option.isNone(absent.right))
  })

  it("encodeEither encodes a valid page exactly as encode", () => {
    const geometry = geometryFor(5, 3)
    const records = makeRecords({ recordsPerPage: 5, tail: 3, seed: 4, sharedPrefix: 0, duplicates: 0 })
    assert.deepStrictEqual(RecordPage.encodeEither(geometry, records), Either.right(RecordPage.encode(geometry, records)))
  })

  it("rejects a name that is not 16 bytes with InvalidArgument", () => {
    assert.include(RecordPage.validateName(new Uint8Array(15))?.message, "16 bytes, got 15")
    assert.isUndefined(RecordPage.validateName(new Uint8Array(16)))
  })
})
