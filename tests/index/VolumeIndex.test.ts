import { assert, describe, it } from "@effect/vitest"
import { VolumeIndex } from "@effect-uds/index"
import { Geometry } from "@effect-uds/volume"
import { Effect, Either, FastCheck as fc } from "effect"

// Small geometries: 32 records per chapter (256 lists, one 64 KiB zone each), dense and sparse.
const dense = Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 1, chaptersPerVolume: 4 }))
const sparse = Effect.runSync(
  Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 2, chaptersPerVolume: 6, sparseChaptersPerVolume: 3 })
)
const reduced = Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 1, chaptersPerVolume: 5 }))

const make = (geometry: Geometry.Geometry, zoneCount: number) =>
  Either.getOrThrow(VolumeIndex.make(geometry, { zoneCount }))

const ADDRESS_BITS = 20
const SAMPLE_RATE = 32

/** A name whose bytes 0..7 are list × 2^20 + address, with `variant` in bytes 8..15 (bytes 14..15 pick hooks). */
const nameOf = (list: number, address: number, variant: number): Uint8Array => {
  const name = new Uint8Array(16)
  const view = new DataView(name.buffer)
  const x = BigInt(list) * 2n ** BigInt(ADDRESS_BITS) + BigInt(address)
  view.setBigUint64(0, x, false)
  view.setUint32(8, variant * 2654435761 >>> 0, false)
  view.setUint32(12, variant, false)
  return name
}

const isHook = (geometry: Geometry.Geometry, name: Uint8Array) =>
  geometry.sparseChaptersPerVolume > 0 && ((name[14]! << 8) | name[15]!) % SAMPLE_RATE === 0

const hex = (name: Uint8Array) => Buffer.from(name).toString("hex")

/** A few lists spread over the zones, a few addresses (close together and far apart), a few name variants. */
const LISTS = [0, 1, 2, 85, 86, 170, 171, 254, 255]
const ADDRESSES = [0, 1, 2, 3, 100, 1000, 65536, 2 ** ADDRESS_BITS - 1]
const VARIANTS = [0, 1, 2, 32, 64, 5, 7]

const nameArb = fc
  .record({
    list: fc.constantFrom(...LISTS),
    address: fc.constantFrom(...ADDRESSES),
    variant: fc.constantFrom(...VARIANTS)
  })
  .map(({ address, list, variant }) => nameOf(list, address, variant))

const command = fc.oneof(
  { weight: 6, arbitrary: nameArb.map((name) => ({ op: "post" as const, name })) },
  { weight: 2, arbitrary: nameArb.map((name) => ({ op: "delete" as const, name })) },
  { weight: 3, arbitrary: nameArb.map((name) => ({ op: "get" as const, name })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((step) => ({ op: "advance" as const, step })) }
)

/**
 * Runs the index's request flow (volume-index.md §1) against a Map oracle of
 * name → chapter. "Confirming" a hint in chapter v is the oracle saying the
 * name is in chapter v, as a search of that chapter would.
 */
class Model {
  readonly index: VolumeIndex.VolumeIndex
  readonly oracle = new Map<string, { readonly name: Uint8Array; chapter: number }>()
  readonly record = VolumeIndex.makeRecord()
  open = 0

  constructor(readonly geometry: Geometry.Geometry, readonly zoneCount: number) {
    this.index = make(geometry, zoneCount)
  }

  private windowOf(name: Uint8Array) {
    const zone = Either.getOrThrow(VolumeIndex.zoneOf(this.index, name))
    return VolumeIndex.window(this.index, zone, isHook(this.geometry, name) ? "hook" : "main")
  }

  /** Forgets names whose chapter left their window. */
  private expire(): void {
    for (const [key, entry] of this.oracle) if (entry.chapter < this.windowOf(entry.name).low) this.oracle.delete(key)
  }

  private get(name: Uint8Array): void {
    assert.strictEqual(VolumeIndex.get(this.index, name, this.record), VolumeIndex.Status.Ok)
    this.check(name)
  }

  /** The get just made agrees with the oracle. */
  check(name: Uint8Array): void {
    const record = this.record
    const expected = this.oracle.get(hex(name))
    if (expected !== undefined) {
      assert.isTrue(record.found, `${hex(name)} is in chapter ${expected.chapter}`)
      assert.strictEqual(record.virtualChapter, expected.chapter, hex(name))
    } else if (record.found) {
      assert.isFalse(record.collision, `${hex(name)} is not in the index, so no exact entry`)
      const slot = hex(name.subarray(0, 8))
      const sharers = [...this.oracle.values()].filter((e) => hex(e.name.subarray(0, 8)) === slot)
      assert.isTrue(
        sharers.some((e) => e.chapter === record.virtualChapter),
        `a hint for ${hex(name)} in chapter ${record.virtualChapter} needs a name with its address bits there`
      )
    }
    if (isHook(this.geometry, name)) {
      // The get flushed the list, so the lookup-only path agrees with it.
      const sample = VolumeIndex.lookupSample(this.index, name)
      assert.strictEqual(sample, record.found ? record.virtualChapter : VolumeIndex.NO_CHAPTER)
    } else {
      assert.strictEqual(VolumeIndex.lookupSample(this.index, name), VolumeIndex.NO_CHAPTER)
    }
  }

  post(name: Uint8Array): void {
    this.get(name)
    const record = this.record
    const key = hex(name)
    const confirmed = record.found && this.oracle.get(key)?.chapter === record.virtualChapter
    if (confirmed || (record.found && record.collision)) {
      if (record.virtualChapter !== this.open) {
        assert.strictEqual(VolumeIndex.setChapter(this.index, record, this.open), VolumeIndex.Status.Ok)
      }
    } else {
      assert.strictEqual(VolumeIndex.put(this.index, record, this.open), VolumeIndex.Status.Ok)
      assert.isTrue(record.found)
    }
    this.oracle.set(key, { name, chapter: this.open })
  }

  delete(name: Uint8Array): void {
    this.get(name)
    const record = this.record
    const key = hex(name)
    if (!record.found) return
    if (record.collision || this.oracle.get(key)?.chapter === record.virtualChapter) {
      assert.strictEqual(VolumeIndex.remove(this.index, record), VolumeIndex.Status.Ok)
      assert.isFalse(record.found)
      this.oracle.delete(key)
    }
  }

  advance(step: number): void {
    this.open += step
    Either.getOrThrow(VolumeIndex.setOpenChapter(this.index, this.open))
    this.expire()
  }

  run(commands: ReadonlyArray<typeof command extends fc.Arbitrary<infer T> ? T : never>): void {
    for (const c of commands) {
      if (c.op === "post") this.post(c.name)
      else if (c.op === "delete") this.delete(c.name)
      else if (c.op === "get") this.get(c.name)
      else this.advance(c.step)
    }
  }

  /** Every name of the oracle, and a few others, agree with it. */
  checkAll(index: VolumeIndex.VolumeIndex = this.index): void {
    for (const list of LISTS) {
      for (const address of ADDRESSES) {
        for (const variant of VARIANTS) {
          const name = nameOf(list, address, variant)
          assert.strictEqual(VolumeIndex.get(index, name, this.record), VolumeIndex.Status.Ok)
          const expected = this.oracle.get(hex(name))
          if (expected !== undefined) assert.strictEqual(this.record.found && this.record.virtualChapter, expected.chapter)
        }
      }
    }
  }
}

const NONCE = 0x0123_4567_89ab_cdefn

/**
 * A saved stream's meaning: its headers, and each list record's tag, list
 * number and bits (without the bit offset and stray bits, which follow the
 * writer's memory).
 */
const meaning = (stream: Uint8Array, sparse: boolean): { headers: string; lists: Array<string> } => {
  const copy = stream.slice()
  const view = new DataView(copy.buffer)
  let at = sparse ? 12 : 0
  const sizes = new Map<string, number>()
  for (const tag of sparse ? ["d", "s"] : ["m"]) {
    const first = view.getUint32(at + 32, true)
    const n = view.getUint32(at + 36, true)
    at += 40 + 8 * n
    // After a load the reference (and so this index) keeps the counters' totals in zone 0: only sums compare.
    copy.fill(0, at + 24, at + 40)
    at += 40
    for (let j = 0; j < n; j++, at += 2) sizes.set(`${tag}${first + j}`, view.getUint16(at, true))
  }
  const headers = hex(copy.subarray(0, at))
  const lists: Array<string> = []
  while (stream[at] !== 0x7a) {
    const tag = String.fromCharCode(stream[at]!)
    const offset = stream[at + 1]!
    const count = view.getUint16(at + 2, true)
    const list = view.getUint32(at + 4, true)
    const size = sizes.get(`${tag}${list}`)!
    let bits = ""
    for (let b = offset; b < offset + size; b++) bits += (stream[at + 8 + (b >> 3)]! >> (b & 7)) & 1
    lists.push(`${tag}${list}:${bits}`)
    at += 8 + count
  }
  return { headers, lists }
}

const configurations = [
  { name: "dense, 1 zone", geometry: dense, zones: 1 },
  { name: "dense, 3 zones", geometry: dense, zones: 3 },
  { name: "reduced, 2 zones", geometry: reduced, zones: 2 },
  { name: "sparse, 1 zone", geometry: sparse, zones: 1 },
  { name: "sparse, 4 zones", geometry: sparse, zones: 4 }
] as const

// Names of one list with many addresses: long lists, searched from their checkpoints while they change.
const longListName = fc
  .record({
    // Some addresses repeat, so collision entries sit among the others.
    address: fc.oneof(
      fc.integer({ min: 0, max: 2 ** ADDRESS_BITS - 1 }),
      fc.constantFrom(...Array.from({ length: 16 }, (_, i) => i * 65521)),
      // Around the search checkpoints' key thresholds (fifths of the key space): entries on and
      // beside a threshold move the checkpoint when they come and go.
      fc.constantFrom(...[1, 2, 3, 4].flatMap((j) => {
        const threshold = Math.ceil((j * 2 ** ADDRESS_BITS) / 5)
        return [threshold - 1, threshold, threshold + 1]
      }))
    ),
    variant: fc.integer({ min: 0, max: 3 })
  })
  .map(({ address, variant }) => nameOf(5, address, variant))
const longListCommands = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: longListName.map((name) => ({ op: "post" as const, name })) },
    { weight: 3, arbitrary: longListName.map((name) => ({ op: "delete" as const, name })) },
    { weight: 1, arbitrary: fc.constant(1).map((step) => ({ op: "advance" as const, step })) }
  ),
  { minLength: 50, maxLength: 600 }
)

describe("VolumeIndex against a Map oracle", () => {
  it.prop(
    "one long list: every get agrees while entries are put, removed and expired",
    { commands: longListCommands },
    ({ commands }) => {
      const model = new Model(dense, 1)
      const names: Array<Uint8Array> = []
      for (const c of commands) {
        if (c.op !== "advance") names.push(c.name)
        model.run([c])
        // Deleted names: their get must agree too, from wherever the search starts.
        if (c.op === "delete") model.run([{ op: "get", name: c.name }])
      }
      for (const name of names) model.run([{ op: "get", name }])
    },
    { fastCheck: { numRuns: 40 } }
  )

  for (const { geometry, name, zones } of configurations) {
    it.prop(
      `${name}: every get agrees over random posts, deletes and chapter advances; save → load → save is a fixed point`,
      { commands: fc.array(command, { minLength: 1, maxLength: 300 }) },
      ({ commands }) => {
        const model = new Model(geometry, zones)
        model.run(commands)
        const saved = VolumeIndex.save(model.index, NONCE)
        assert.strictEqual(saved.length, zones)
        const loaded = Either.getOrThrow(VolumeIndex.load(geometry, saved, { nonce: NONCE, zoneCount: zones }))
        const resaved = VolumeIndex.save(loaded, NONCE)
        const isSparse = geometry.sparseChaptersPerVolume > 0
        assert.deepStrictEqual(resaved.map((s) => meaning(s, isSparse)), saved.map((s) => meaning(s, isSparse)))
        // Saved right after a load, the lists sit where a load puts them: the bytes repeat exactly.
        const again = Either.getOrThrow(VolumeIndex.load(geometry, resaved, { nonce: NONCE, zoneCount: zones }))
        assert.deepStrictEqual(VolumeIndex.save(again, NONCE), resaved)
        assert.strictEqual(VolumeIndex.stats(loaded).entries, VolumeIndex.stats(model.index).entries)
        model.checkAll(loaded)
        // Loaded with another zone count, the lists are re-partitioned and answer the same.
        const other = Either.getOrThrow(VolumeIndex.load(geometry, saved, { nonce: NONCE, zoneCount: zones === 1 ? 3 : 1 }))
        model.checkAll(other)
        model.checkAll()
      },
      { fastCheck: { numRuns: 40 } }
    )
  }
})

const getOk = (index: VolumeIndex.VolumeIndex, name: Uint8Array, record = VolumeIndex.makeRecord()) => {
  assert.strictEqual(VolumeIndex.get(index, name, record), VolumeIndex.Status.Ok)
  return record
}

const putNew = (index: VolumeIndex.VolumeIndex, name: Uint8Array, chapter: number) => {
  const record = getOk(index, name)
  const status = VolumeIndex.put(index, record, chapter)
  return { record, status }
}

describe("VolumeIndex entries", () => {
  it("collision entries: newest first after the ordinary entry; removing the ordinary one promotes the next", () => {
    const index = make(dense, 1)
    const [a, b, c] = [nameOf(7, 500, 1), nameOf(7, 500, 2), nameOf(7, 500, 3)]
    assert.strictEqual(putNew(index, a, 0).status, VolumeIndex.Status.Ok)
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 1))
    const second = putNew(index, b, 1)
    assert.deepStrictEqual([second.status, second.record.collision], [VolumeIndex.Status.Ok, true])
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 2))
    assert.strictEqual(putNew(index, c, 2).status, VolumeIndex.Status.Ok)
    assert.deepStrictEqual(VolumeIndex.stats(index).collisions, 2)
    // a's get falls back to the ordinary entry: a hint with a's chapter.
    const hint = getOk(index, a)
    assert.deepStrictEqual([hint.found, hint.collision, hint.virtualChapter], [true, false, 0])
    assert.strictEqual(VolumeIndex.remove(index, hint), VolumeIndex.Status.Ok)
    // c (the newest collision) followed the ordinary entry, so c is now the ordinary entry; b stays exact.
    const promoted = getOk(index, c)
    assert.deepStrictEqual([promoted.found, promoted.collision, promoted.virtualChapter], [true, false, 2])
    const exact = getOk(index, b)
    assert.deepStrictEqual([exact.found, exact.collision, exact.virtualChapter], [true, true, 1])
    const stats = VolumeIndex.stats(index)
    assert.deepStrictEqual([stats.entries, stats.collisions, stats.discarded], [2, 1, 1])
    // Putting b again is DUPLICATE_NAME and changes nothing.
    assert.strictEqual(VolumeIndex.put(index, exact, 2), VolumeIndex.Status.DuplicateName)
    assert.strictEqual(VolumeIndex.stats(index).entries, 2)
  })

  it("expired entries are flushed lazily on the next get of their list, and count as discarded", () => {
    const index = make(dense, 1)
    const old = nameOf(9, 10, 1)
    const young = nameOf(9, 20, 1)
    putNew(index, old, 0)
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 3))
    putNew(index, young, 3)
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 4))
    assert.deepStrictEqual(VolumeIndex.window(index, 0), { low: 1, high: 4 })
    assert.strictEqual(VolumeIndex.stats(index).entries, 2, "nothing is removed when the window moves")
    assert.isFalse(getOk(index, old).found)
    assert.deepStrictEqual([VolumeIndex.stats(index).entries, VolumeIndex.stats(index).discarded], [1, 1])
    assert.strictEqual(getOk(index, young).virtualChapter, 3)
  })

  it("a list that would pass 65,535 bits refuses the put with OVERFLOW, counted, and keeps its entries", () => {
    const index = make(dense, 1)
    const names = Array.from({ length: 600 }, (_, i) => nameOf(3, 77, i))
    const statuses = names.map((name) => putNew(index, name, 0).status)
    const accepted = statuses.filter((s) => s === VolumeIndex.Status.Ok).length
    assert.isAbove(accepted, 100)
    assert.isTrue(statuses.slice(accepted).every((s) => s === VolumeIndex.Status.Overflow))
    const stats = VolumeIndex.stats(index)
    assert.deepStrictEqual([stats.entries, stats.overflows], [accepted, 600 - accepted])
    assert.isAtMost(stats.usedBits, 65_535)
    for (const name of names.slice(1, accepted)) assert.isTrue(getOk(index, name).collision)
  })

  it("a full zone refuses puts with OVERFLOW, not counted as list overflows, after rebalancing", () => {
    const index = make(dense, 1)
    let refused = 0
    const kept: Array<Uint8Array> = []
    for (let list = 0; list < 256 && refused === 0; list++) {
      for (let i = 0; i < 300; i++) {
        const name = nameOf(list, 5, i)
        const { status } = putNew(index, name, 0)
        if (status === VolumeIndex.Status.Overflow) refused++
        else kept.push(name)
      }
    }
    const stats = VolumeIndex.stats(index)
    assert.isAbove(refused, 0)
    assert.strictEqual(stats.overflows, 0)
    assert.isAbove(stats.rebalances, 0)
    assert.strictEqual(stats.entries, kept.length)
    const record = VolumeIndex.makeRecord()
    assert.isTrue(kept.every((name) => VolumeIndex.get(index, name, record) === 0 && record.found && record.virtualChapter === 0))
  })

  it("a zone fuller than its budget expires a chapter early when the next chapter opens", () => {
    // The tiny preset keeps 5 % of its memory free; collision entries (141 bits each) fill the rest quickly.
    const index = Either.getOrThrow(VolumeIndex.make(Effect.runSync(Geometry.fromMemorySize("tiny"))))
    for (let list = 0; list < 56; list++) {
      for (let i = 0; i < 400; i++) putNew(index, nameOf(list, 5, i), 0)
    }
    assert.isAbove(VolumeIndex.stats(index).usedBits, 3_050_000)
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 1))
    assert.strictEqual(VolumeIndex.stats(index).earlyFlushes, 1)
    assert.deepStrictEqual(VolumeIndex.window(index, 0), { low: 1, high: 1 })
    assert.isFalse(getOk(index, nameOf(0, 5, 0)).found)
    // The expired entries stay until their lists are read, so the next chapter expires early again...
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 2))
    assert.deepStrictEqual(VolumeIndex.window(index, 0), { low: 1, high: 2 })
    // ...until gets have flushed them.
    for (let list = 1; list < 56; list++) getOk(index, nameOf(list, 5, 0))
    assert.strictEqual(VolumeIndex.stats(index).usedBits, 0)
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 3))
    assert.deepStrictEqual(VolumeIndex.window(index, 0), { low: 0, high: 3 })
    assert.strictEqual(VolumeIndex.stats(index).earlyFlushes, 2)
  })

  it("zones are chosen by list: list div ceil(lists / zones)", () => {
    const index = make(dense, 3)
    const zones = [0, 85, 86, 171, 172, 255].map((list) => Either.getOrThrow(VolumeIndex.zoneOf(index, nameOf(list, 1, 0))))
    assert.deepStrictEqual(zones, [0, 0, 1, 1, 2, 2])
  })
})

describe("VolumeIndex bad input", () => {
  it("a name of the wrong length is InvalidArgument", () => {
    const index = make(dense, 1)
    const record = VolumeIndex.makeRecord()
    const status = VolumeIndex.get(index, new Uint8Array(15), record)
    assert.strictEqual(status, VolumeIndex.Status.InvalidArgument)
    const error = VolumeIndex.failure(status, record)
    assert.strictEqual(error?._tag, "InvalidArgument")
    assert.include(error!.message, "16 bytes, got 15")
    assert.isTrue(Either.isLeft(VolumeIndex.zoneOf(index, new Uint8Array(17))))
  })

  it("a chapter outside the window, or an operation on a record not found, is refused", () => {
    const index = make(dense, 1)
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, 10))
    const record = getOk(index, nameOf(1, 1, 1))
    assert.strictEqual(VolumeIndex.put(index, record, 11), VolumeIndex.Status.InvalidArgument)
    assert.strictEqual(VolumeIndex.put(index, record, 6), VolumeIndex.Status.InvalidArgument)
    assert.include(record.problem, "7 to 10")
    assert.strictEqual(VolumeIndex.setChapter(index, record, 10), VolumeIndex.Status.BadState)
    assert.strictEqual(VolumeIndex.remove(index, record), VolumeIndex.Status.BadState)
    assert.strictEqual(VolumeIndex.failure(VolumeIndex.Status.BadState, record)?._tag, "InvalidArgument")
    assert.strictEqual(VolumeIndex.put(index, VolumeIndex.makeRecord(), 10), VolumeIndex.Status.InvalidArgument)
    assert.strictEqual(VolumeIndex.put(index, record, 7), VolumeIndex.Status.Ok)
  })

  it("zones and chapters out of range, and impossible sizings, are InvalidArgument", () => {
    const index = make(dense, 2)
    assert.isTrue(Either.isLeft(VolumeIndex.setZoneOpenChapter(index, 2, 1)))
    assert.isTrue(Either.isLeft(VolumeIndex.setZoneOpenChapter(index, 0, -1)))
    assert.isTrue(Either.isLeft(VolumeIndex.setOpenChapter(index, 1.5)))
    assert.isTrue(Either.isRight(VolumeIndex.setZoneOpenChapter(index, 1, 5)))
    assert.deepStrictEqual(VolumeIndex.window(index, 1), { low: 2, high: 5 })
    assert.deepStrictEqual(VolumeIndex.window(index, 0), { low: 0, high: 0 })
    const bad = VolumeIndex.make(dense, { zoneCount: 17 })
    assert.isTrue(Either.isLeft(bad) && bad.left._tag === "InvalidArgument")
  })
})

// A saved stream of a small index with collisions, several chapters and two zones.
const savedSample = (): { streams: ReadonlyArray<Uint8Array>; names: Array<Uint8Array> } => {
  const index = make(dense, 2)
  const names: Array<Uint8Array> = []
  for (let chapter = 0; chapter < 3; chapter++) {
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, chapter))
    for (const list of LISTS) {
      for (const variant of [chapter, chapter + 10]) {
        const name = nameOf(list, 1000 + chapter, variant)
        putNew(index, name, chapter)
        names.push(name)
      }
    }
  }
  return { streams: VolumeIndex.save(index, NONCE), names }
}

// A loaded index answers every get with Ok or CorruptData, and saves without throwing.
const usable = (index: VolumeIndex.VolumeIndex, names: ReadonlyArray<Uint8Array>) => {
  const record = VolumeIndex.makeRecord()
  for (const name of names) {
    const status = VolumeIndex.get(index, name, record)
    assert.include([VolumeIndex.Status.Ok, VolumeIndex.Status.CorruptData], status)
    if (status === VolumeIndex.Status.CorruptData) assert.strictEqual(VolumeIndex.failure(status, record)?._tag, "CorruptData")
  }
  VolumeIndex.save(index, NONCE)
}

describe("VolumeIndex loading bad streams", () => {
  it("every truncation of a saved stream is CorruptData", () => {
    const { streams } = savedSample()
    const [first, second] = streams as [Uint8Array, Uint8Array]
    for (let length = 0; length < first.length; length++) {
      const result = VolumeIndex.load(dense, [first.subarray(0, length), second], { nonce: NONCE, zoneCount: 2 })
      if (Either.isRight(result)) assert.fail(`a stream cut at ${length} of ${first.length} bytes loaded`)
      assert.strictEqual(result.left._tag, "CorruptData")
    }
    assert.isTrue(Either.isLeft(VolumeIndex.load(dense, [first], { nonce: NONCE })), "a missing stream")
    assert.isTrue(Either.isLeft(VolumeIndex.load(dense, [], {})))
    assert.isTrue(Either.isLeft(VolumeIndex.load(sparse, streams, { nonce: NONCE })), "a dense save into a sparse index")
  })

  it.prop(
    "random byte changes give CorruptData or an index that answers with Ok or CorruptData, never a throw",
    {
      edits: fc.array(fc.record({ stream: fc.nat(1), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 4
      }),
      zoneCount: fc.integer({ min: 1, max: 3 })
    },
    ({ edits, zoneCount }) => {
      const { names, streams } = savedSample()
      const changed = streams.map((s) => s.slice())
      for (const { at, stream, value } of edits) changed[stream]![at % changed[stream]!.length] = value
      const result = VolumeIndex.load(dense, changed, { nonce: NONCE, zoneCount })
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "CorruptData")
        assert.isAbove(result.left.message.length, 10)
      } else {
        usable(result.right, names)
      }
    },
    { fastCheck: { numRuns: 300 } }
  )
})
