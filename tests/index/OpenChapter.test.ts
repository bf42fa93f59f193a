import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { CorruptData } from "../../packages/index/src/IndexError.js"
import { collate } from "../../packages/index/src/internal/openChapter/collate.js"
import * as Saved from "../../packages/index/src/internal/openChapter/savedFormat.js"
import {
  homeSlot,
  makeZones,
  OpenChapterZone,
  slotCountFor,
  zoneCapacity
} from "../../packages/index/src/internal/openChapter/zone.js"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, "hex"))

// Name p of a small pool: byte 0 = p picks the zone (zoneOf = name[0] mod Z),
// byte 13 = p mod 3 is the home slot (bytes 10..12 are zero), so names
// p, p + 3, p + 6, … all collide and probing walks past each other's tombstones.
const poolName = (p: number): Uint8Array => {
  const name = new Uint8Array(16)
  name[0] = p
  name[13] = p % 3
  name[15] = 0x5a
  return name
}
const dataOf = (value: number): Uint8Array => {
  const data = new Uint8Array(16)
  data[0] = value
  data[15] = 0xd0
  return data
}
const zoneOfCount = (zoneCount: number) => (name: Uint8Array) => name[0]! % zoneCount

/** The Map oracle of one zone: records in arrival order, live names to record numbers. */
class ZoneModel {
  readonly records: Array<{ name: Uint8Array; data: Uint8Array; deleted: boolean }> = []
  readonly live = new Map<string, number>()
  constructor(readonly capacity: number) {}
  put(name: Uint8Array, data: Uint8Array): number {
    if (this.records.length >= this.capacity) return 0
    const r = this.live.get(hex(name))
    if (r !== undefined) this.records[r - 1]!.data = data
    else {
      this.records.push({ name, data, deleted: false })
      this.live.set(hex(name), this.records.length)
    }
    return this.capacity - this.records.length
  }
  remove(name: Uint8Array): boolean {
    const r = this.live.get(hex(name))
    if (r === undefined) return false
    this.records[r - 1]!.deleted = true
    this.live.delete(hex(name))
    return true
  }
  search(name: Uint8Array): Uint8Array | undefined {
    const r = this.live.get(hex(name))
    return r === undefined ? undefined : this.records[r - 1]!.data
  }
  reset(): void {
    this.records.length = 0
    this.live.clear()
  }
}

const assertSameAsModel = (zone: OpenChapterZone, model: ZoneModel) => {
  assert.strictEqual(zone.size, model.records.length, "size")
  assert.strictEqual(zone.deletions, model.records.filter((record) => record.deleted).length, "deletions")
  model.records.forEach((record, k) => {
    const r = k + 1
    assert.strictEqual(hex(zone.records.subarray(r * 32, r * 32 + 16)), hex(record.name), `record ${r} name`)
    assert.strictEqual(hex(zone.records.subarray(r * 32 + 16, r * 32 + 32)), hex(record.data), `record ${r} data`)
    assert.strictEqual(zone.isLive(r), !record.deleted, `record ${r} live`)
  })
}

const searchOf = (zone: OpenChapterZone, name: Uint8Array): string | undefined => {
  const out = new Uint8Array(16)
  return zone.search(name, out) ? hex(out) : undefined
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

// The ALBOC stream §8 describes for these records, written out independently of save().
const expectedStream = (records: ReadonlyArray<{ name: Uint8Array; data: Uint8Array }>): Uint8Array => {
  const header = new Uint8Array(14)
  header.set(new TextEncoder().encode("ALBOC02.00"))
  new DataView(header.buffer).setUint32(10, records.length, true)
  return concat([header, ...records.flatMap((record) => [record.name, record.data])])
}

// Round-robin by record number across lists of different lengths (§8.1).
const interleave = <A>(lists: ReadonlyArray<ReadonlyArray<A>>): Array<A> => {
  const out: Array<A> = []
  const longest = Math.max(0, ...lists.map((list) => list.length))
  for (let k = 0; k < longest; k++) for (const list of lists) if (k < list.length) out.push(list[k]!)
  return out
}

const mustLoad = (result: ReturnType<typeof Saved.load>) => {
  if (result instanceof CorruptData) throw new Error(`unexpected CorruptData: ${result.message}`)
  return result
}

describe("open chapter zone: shape and hashing (open-chapter.md §2, §3)", () => {
  it("capacities and slot counts are those of the §2 table", () => {
    const rows: ReadonlyArray<readonly [number, number, number, number]> = [
      [32768, 1, 32768, 131072],
      [32768, 2, 16384, 65536],
      [32768, 3, 10922, 32768],
      [32768, 4, 8192, 32768],
      [32768, 8, 4096, 16384],
      [32768, 16, 2048, 8192],
      [65536, 3, 21845, 65536],
      [131072, 3, 43690, 131072],
      [196608, 1, 196608, 524288],
      [196608, 3, 65536, 262144],
      [196608, 4, 49152, 131072],
      [262144, 1, 262144, 1048576],
      [262144, 3, 87381, 262144],
      [262144, 16, 16384, 65536]
    ]
    for (const [recordsPerChapter, zones, capacity, slots] of rows) {
      assert.strictEqual(zoneCapacity(recordsPerChapter, zones), capacity, `${recordsPerChapter} / ${zones} zones`)
      assert.strictEqual(slotCountFor(capacity), slots, `slots for capacity ${capacity}`)
    }
    const zones = makeZones(32768, 3)
    assert.deepStrictEqual(zones.map((zone) => [zone.capacity, zone.slotCount]), [[10922, 32768], [10922, 32768], [
      10922,
      32768
    ]])
  })

  it("the home slot is name bytes 8..13 big-endian mod the slot count (the §3 worked example)", () => {
    const names = [
      "894b37847d09f12fcacf6242f198f449",
      "37cb0d1877209183ae570ee1ea4a8348",
      "16eb25b94f514081c13659098dbc328f"
    ]
    assert.deepStrictEqual(names.map((name) => homeSlot(fromHex(name), 0, 131072)), [61848, 125514, 101820])
    // The name may sit anywhere in a buffer.
    const packed = concat([new Uint8Array(7), fromHex(names[0]!)])
    assert.strictEqual(homeSlot(packed, 7, 131072), 61848)
  })
})

describe("open chapter zone: probing and operations (open-chapter.md §4, §5)", () => {
  it("names sharing a home slot take slots h, h + 1, h + 3, h + 6 in arrival order", () => {
    const zone = new OpenChapterZone(100) // 256 slots
    const names = [0, 1, 2, 3].map((k) => {
      const name = new Uint8Array(16)
      name[13] = 100 // home slot 100
      name[0] = k
      return name
    })
    names.forEach((name, k) => zone.put(name, dataOf(k)))
    assert.deepStrictEqual([100, 101, 103, 106].map((slot) => zone.recordAt(slot)), [1, 2, 3, 4])
    assert.deepStrictEqual(names.map((name) => zone.probe(name)), [100, 101, 103, 106])
    // An absent name of the same home ends at the next empty slot of the sequence.
    const absent = new Uint8Array(16)
    absent[13] = 100
    absent[0] = 9
    assert.strictEqual(zone.probe(absent), 110)
  })

  it("a zone takes `capacity` names that all share home slot 0, and finds each", () => {
    const capacity = 600
    const zone = new OpenChapterZone(capacity)
    const nameOf = (k: number) => {
      const name = new Uint8Array(16)
      name[0] = k & 0xff
      name[1] = k >> 8
      return name // bytes 8..13 zero: home slot 0
    }
    let remaining = -1
    for (let k = 0; k < capacity; k++) remaining = zone.put(nameOf(k), dataOf(k))
    assert.strictEqual(remaining, 0)
    assert.isTrue(zone.isFull)
    for (let k = 0; k < capacity; k++) assert.strictEqual(searchOf(zone, nameOf(k)), hex(dataOf(k)))
  })

  it("put numbers new names in arrival order, overwrites a live name in place and returns capacity − size", () => {
    const zone = new OpenChapterZone(4)
    const [a, b, c] = [poolName(0), poolName(3), poolName(6)] // one home slot
    assert.deepStrictEqual([zone.put(a, dataOf(1)), zone.put(b, dataOf(2))], [3, 2])
    assert.strictEqual(zone.put(a, dataOf(9)), 2, "an overwrite does not change remaining")
    assert.strictEqual(zone.size, 2)
    assert.strictEqual(hex(zone.records.subarray(32, 48)), hex(a))
    assert.strictEqual(hex(zone.records.subarray(48, 64)), hex(dataOf(9)), "record 1 keeps its number")
    assert.strictEqual(searchOf(zone, a), hex(dataOf(9)))
    assert.strictEqual(searchOf(zone, c), undefined)
  })

  it("remove leaves a tombstone: put again makes a new, higher record and the old one stays deleted", () => {
    const zone = new OpenChapterZone(5)
    const [a, b] = [poolName(0), poolName(3)]
    zone.put(a, dataOf(1))
    zone.put(b, dataOf(2))
    assert.isTrue(zone.remove(a))
    assert.isFalse(zone.remove(a), "removing a deleted name does nothing")
    assert.strictEqual(searchOf(zone, a), undefined)
    assert.strictEqual(searchOf(zone, b), hex(dataOf(2)), "b is found past a's tombstone")
    assert.strictEqual(zone.put(a, dataOf(3)), 2)
    assert.deepStrictEqual([zone.size, zone.deletions, zone.liveCount], [3, 1, 2])
    assert.deepStrictEqual([zone.isLive(1), zone.isLive(2), zone.isLive(3)], [false, true, true])
    assert.strictEqual(searchOf(zone, a), hex(dataOf(3)))
  })

  it("a search that misses leaves the output untouched", () => {
    const zone = new OpenChapterZone(4)
    zone.put(poolName(1), dataOf(1))
    const out = new Uint8Array(20).fill(0xee)
    assert.isFalse(zone.search(poolName(2), out, 2))
    assert.isTrue(out.every((byte) => byte === 0xee))
    assert.isTrue(zone.search(poolName(1), out, 2))
    assert.strictEqual(hex(out.subarray(2, 18)), hex(dataOf(1)))
    assert.deepStrictEqual([out[0], out[1], out[18], out[19]], [0xee, 0xee, 0xee, 0xee])
  })

  it("a full zone takes nothing more, not even an overwrite, and returns 0", () => {
    const zone = new OpenChapterZone(2)
    zone.put(poolName(1), dataOf(1))
    assert.strictEqual(zone.put(poolName(2), dataOf(2)), 0)
    assert.strictEqual(zone.put(poolName(1), dataOf(7)), 0)
    assert.strictEqual(zone.put(poolName(4), dataOf(4)), 0)
    assert.deepStrictEqual([zone.size, searchOf(zone, poolName(1)), searchOf(zone, poolName(4))], [
      2,
      hex(dataOf(1)),
      undefined
    ])
  })

  it("reset empties records, slots and deleted marks", () => {
    const zone = new OpenChapterZone(3)
    zone.put(poolName(0), dataOf(1))
    zone.put(poolName(3), dataOf(2))
    zone.remove(poolName(0))
    zone.reset()
    assert.deepStrictEqual([zone.size, zone.deletions, zone.isFull], [0, 0, false])
    assert.isTrue(zone.records.every((byte) => byte === 0))
    assert.strictEqual(searchOf(zone, poolName(3)), undefined)
    assert.strictEqual(zone.put(poolName(3), dataOf(5)), 2)
    assert.strictEqual(zone.probe(poolName(3)), homeSlot(poolName(3), 0, zone.slotCount), "slots were cleared")
    assert.isTrue(zone.isLive(1))
  })

  const op = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("put" as const), name: fc.nat(11), data: fc.nat(255) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), name: fc.nat(11) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("search" as const), name: fc.nat(11) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const) }) }
  )

  it.prop(
    "random put / remove / search / reset of repeated names behave as the Map oracle",
    { capacity: fc.integer({ min: 1, max: 8 }), ops: fc.array(op, { maxLength: 60 }) },
    ({ capacity, ops }) => {
      const zone = new OpenChapterZone(capacity)
      const model = new ZoneModel(capacity)
      for (const step of ops) {
        if (step.kind === "put") {
          const name = poolName(step.name)
          assert.strictEqual(zone.put(name, dataOf(step.data)), model.put(name, dataOf(step.data)), "remaining")
        } else if (step.kind === "remove") {
          assert.strictEqual(zone.remove(poolName(step.name)), model.remove(poolName(step.name)), "removed")
        } else if (step.kind === "search") {
          const expected = model.search(poolName(step.name))
          assert.strictEqual(searchOf(zone, poolName(step.name)), expected && hex(expected), "search")
        } else {
          zone.reset()
          model.reset()
        }
        assert.strictEqual(zone.isFull, model.records.length === capacity)
      }
      assertSameAsModel(zone, model)
      for (let p = 0; p < 12; p++) {
        const expected = model.search(poolName(p))
        assert.strictEqual(searchOf(zone, poolName(p)), expected && hex(expected))
      }
    }
  )
})

// Zones built by random ops on a shared name pool (zone = name[0] mod Z), with
// their oracles.
const zonesSpec = fc.record({
  zoneCount: fc.integer({ min: 1, max: 4 }),
  extra: fc.integer({ min: 0, max: 3 }),
  perZone: fc.integer({ min: 1, max: 6 }),
  ops: fc.array(
    fc.record({ remove: fc.boolean(), name: fc.nat(23), data: fc.nat(255) }),
    { maxLength: 50 }
  ),
  fillZone: fc.nat(3)
})
type ZonesSpec = typeof zonesSpec extends fc.Arbitrary<infer T> ? T : never

const buildZones = (spec: ZonesSpec, options: { readonly fill: boolean }) => {
  const recordsPerChapter = spec.zoneCount * spec.perZone + Math.min(spec.extra, spec.zoneCount - 1)
  const zones = makeZones(recordsPerChapter, spec.zoneCount)
  const models = zones.map((zone) => new ZoneModel(zone.capacity))
  const zoneOf = zoneOfCount(spec.zoneCount)
  for (const step of spec.ops) {
    const name = poolName(step.name)
    const z = zoneOf(name)
    if (step.remove) {
      zones[z]!.remove(name)
      models[z]!.remove(name)
    } else if (zones[z]!.liveCount < zones[z]!.capacity - (options.fill ? 0 : 1)) {
      zones[z]!.put(name, dataOf(step.data))
      models[z]!.put(name, dataOf(step.data))
    }
  }
  if (options.fill) {
    // Close as the index does: one zone filled up with fresh names (byte 1 = 0xff).
    const z = spec.fillZone % spec.zoneCount
    for (let fresh = z; !zones[z]!.isFull; fresh += spec.zoneCount) {
      const name = poolName(fresh)
      name[1] = 0xff
      zones[z]!.put(name, dataOf(fresh))
      models[z]!.put(name, dataOf(fresh))
    }
  }
  return { recordsPerChapter, zones, models }
}

describe("collation at chapter close (open-chapter.md §7)", () => {
  it("interleaves zones by record number; gaps, deleted records and the tail get the first full zone's last record", () => {
    const zones = makeZones(9, 2) // capacity 4 each, 8 < 9
    const a = [0, 2, 4, 6].map(poolName)
    const b = [1, 3, 5].map(poolName)
    a.forEach((name, k) => zones[0]!.put(name, dataOf(10 + k)))
    b.forEach((name, k) => zones[1]!.put(name, dataOf(20 + k)))
    zones[1]!.remove(b[1]!)
    const collated = collate(zones, 9)
    assert.isDefined(collated)
    const names = Array.from({ length: 9 }, (_, i) => hex(collated!.records.subarray(i * 32, i * 32 + 16)))
    const fill = hex(a[3]!)
    assert.deepStrictEqual(names, [hex(a[0]!), hex(b[0]!), hex(a[1]!), fill, hex(a[2]!), hex(b[2]!), fill, fill, fill])
    assert.deepStrictEqual(Array.from(collated!.indexed), [1, 1, 1, 0, 1, 1, 1, 0, 0])
    assert.strictEqual(collated!.indexedCount, 6)
    assert.strictEqual(hex(collated!.records.subarray(3 * 32 + 16, 4 * 32)), hex(dataOf(13)), "a fill copies the data too")
  })

  it("takes the fill record from the first full zone, not from zone 0", () => {
    const zones = makeZones(4, 2)
    zones[0]!.put(poolName(0), dataOf(1))
    zones[1]!.put(poolName(1), dataOf(2))
    zones[1]!.put(poolName(3), dataOf(3))
    const collated = collate(zones, 4)!
    assert.strictEqual(hex(collated.records.subarray(64, 80)), hex(poolName(3)))
  })

  it("gives undefined when no zone is full (a chapter only closes when one filled)", () => {
    const zones = makeZones(8, 2)
    zones[0]!.put(poolName(0), dataOf(1))
    assert.isUndefined(collate(zones, 8))
  })

  it.prop("every position holds what §7's rule says, into reused buffers too", { spec: zonesSpec }, ({ spec }) => {
    const { models, recordsPerChapter, zones } = buildZones(spec, { fill: true })
    const fillModel = models.find((model) => model.records.length === model.capacity)!
    const fill = fillModel.records[fillModel.capacity - 1]!
    const into = { records: new Uint8Array(recordsPerChapter * 32).fill(0x77), indexed: new Uint8Array(recordsPerChapter).fill(9) }
    const collated = collate(zones, recordsPerChapter, into)!
    assert.strictEqual(collated.records, into.records)
    let indexedCount = 0
    for (let i = 0; i < recordsPerChapter; i++) {
      const record = models[i % spec.zoneCount]!.records[Math.floor(i / spec.zoneCount)]
      const own = record !== undefined && !record.deleted
      const expected = own ? record : fill
      assert.strictEqual(hex(collated.records.subarray(i * 32, i * 32 + 32)), hex(expected.name) + hex(expected.data), `position ${i}`)
      assert.strictEqual(collated.indexed[i], own ? 1 : 0)
      if (own) indexedCount++
    }
    assert.strictEqual(collated.indexedCount, indexedCount)
  })
})

describe("saved open chapter, ALBOC 02.00 (open-chapter.md §8)", () => {
  it("writes the live records round-robin by record number, then zeros to the end of the block", () => {
    const zones = makeZones(8, 2)
    zones[0]!.put(poolName(0), dataOf(1))
    zones[0]!.put(poolName(2), dataOf(2))
    zones[0]!.put(poolName(4), dataOf(3))
    zones[1]!.put(poolName(1), dataOf(4))
    zones[1]!.put(poolName(3), dataOf(5))
    zones[0]!.remove(poolName(2))
    const bytes = Saved.save(zones)
    assert.strictEqual(bytes.length, 4096)
    const expected = expectedStream([
      { name: poolName(0), data: dataOf(1) },
      { name: poolName(1), data: dataOf(4) },
      { name: poolName(3), data: dataOf(5) },
      { name: poolName(4), data: dataOf(3) }
    ])
    assert.strictEqual(hex(bytes.subarray(0, expected.length)), hex(expected))
    assert.strictEqual(hex(bytes.subarray(0, 14)), "414c424f4330322e303004000000")
    assert.isTrue(bytes.subarray(expected.length).every((byte) => byte === 0))
    assert.strictEqual(Saved.regionBlocks(32768), 257)
  })

  it("saves an empty open chapter as a header with R = 0", () => {
    const bytes = Saved.save(makeZones(16, 1))
    assert.strictEqual(hex(bytes.subarray(0, 16)), "414c424f4330322e3030000000000000")
    const loaded = mustLoad(Saved.load(bytes, 16, 1, zoneOfCount(1)))
    assert.deepStrictEqual(loaded.summary, { records: 0, loaded: 0, dropped: 0, duplicates: 0 })
  })

  it("a load into fewer, smaller zones stops each one short of full and drops its later records", () => {
    // One zone of 8 holding 7, loaded into 2 zones of 4: each takes 3.
    const one = makeZones(8, 1)
    for (let p = 0; p < 7; p++) one[0]!.put(poolName(p), dataOf(p))
    const { summary, zones } = mustLoad(Saved.load(Saved.save(one), 8, 2, zoneOfCount(2)))
    assert.deepStrictEqual(summary, { records: 7, loaded: 6, dropped: 1, duplicates: 0 })
    assert.deepStrictEqual(zones.map((zone) => zone.size), [3, 3])
    assert.strictEqual(searchOf(zones[0]!, poolName(6)), undefined, "the latest record of zone 0 is the one dropped")
    assert.strictEqual(searchOf(zones[0]!, poolName(4)), hex(dataOf(4)))
    assert.isFalse(zones.some((zone) => zone.isFull))
  })

  it("with one zone the zone function is not asked", () => {
    const one = makeZones(8, 1)
    one[0]!.put(poolName(5), dataOf(5))
    const { zones } = mustLoad(Saved.load(Saved.save(one), 8, 1, () => 3))
    assert.strictEqual(searchOf(zones[0]!, poolName(5)), hex(dataOf(5)))
  })

  it("a name saved twice is overwritten in place by its later record, as the reference loads it", () => {
    const stream = expectedStream([
      { name: poolName(1), data: dataOf(1) },
      { name: poolName(2), data: dataOf(2) },
      { name: poolName(1), data: dataOf(3) }
    ])
    const { summary, zones } = mustLoad(Saved.load(stream, 8, 1, zoneOfCount(1)))
    assert.deepStrictEqual(summary, { records: 3, loaded: 2, dropped: 0, duplicates: 1 })
    assert.strictEqual(zones[0]!.size, 2)
    assert.strictEqual(searchOf(zones[0]!, poolName(1)), hex(dataOf(3)))
  })

  const corrupt = (bytes: Uint8Array, recordsPerChapter = 8, zoneCount = 1, zoneOf = zoneOfCount(zoneCount)) => {
    const result = Saved.load(bytes, recordsPerChapter, zoneCount, zoneOf)
    if (!(result instanceof CorruptData)) throw new Error("expected CorruptData")
    return result
  }

  it("refuses bad magic, a discarded (zeroed) start, a bad version and short headers with CorruptData", () => {
    const good = expectedStream([{ name: poolName(1), data: dataOf(1) }])
    const badMagic = good.slice()
    badMagic[2] = 0x43
    assert.match(corrupt(badMagic).message, /magic 41 4c 43 4f 43, expected "ALBOC"/)
    assert.match(corrupt(new Uint8Array(4096)).message, /discarded/)
    const badVersion = good.slice()
    badVersion[6] = 0x31
    const version = corrupt(badVersion)
    assert.match(version.message, /version 30 31 2e 30 30, only "02.00"/)
    assert.strictEqual(version.offset, 5)
    assert.match(corrupt(good.subarray(0, 3)).message, /truncated: 3 bytes, its magic alone needs 5/)
    assert.match(corrupt(good.subarray(0, 12)).message, /truncated: 12 bytes, its header needs 14/)
  })

  it("refuses R above records_per_chapter and a stream that runs past the region", () => {
    const nine = expectedStream(Array.from({ length: 9 }, (_, p) => ({ name: poolName(p), data: dataOf(p) })))
    assert.match(corrupt(nine, 8).message, /claims 9 records; a chapter holds at most 8/)
    const two = expectedStream([{ name: poolName(1), data: dataOf(1) }, { name: poolName(2), data: dataOf(2) }])
    assert.match(corrupt(two.subarray(0, two.length - 1)).message, /truncated: 2 records need 78 bytes, the region has 77/)
  })

  it("refuses a zone function answer outside the zones, and leaves the zones empty after any failure", () => {
    const stream = expectedStream([{ name: poolName(1), data: dataOf(1) }, { name: poolName(2), data: dataOf(2) }])
    const zones = makeZones(8, 2)
    zones[1]!.put(poolName(7), dataOf(7))
    const result = Saved.loadInto(stream, zones, 8, (name) => (name[0] === 2 ? 2 : 0))
    assert.instanceOf(result, CorruptData)
    assert.match((result as CorruptData).message, /zone 2 for saved open chapter record 1; zones are 0 \.\. 1/)
    assert.deepStrictEqual(zones.map((zone) => zone.size), [0, 0])
  })

  it.prop(
    "save → load → save: the records the oracle keeps, round-robin, for any new zone count; then a fixed point for the same one",
    { spec: zonesSpec, newZoneCount: fc.integer({ min: 1, max: 4 }) },
    ({ newZoneCount, spec }) => {
      const { models, recordsPerChapter, zones } = buildZones(spec, { fill: false })
      const saved = Saved.save(zones)
      // By record number across zones, deleted ones skipped (not compacted first).
      const stream = interleave(models.map((model) => model.records)).filter((record) => !record.deleted)
      const expected = expectedStream(stream)
      assert.strictEqual(hex(saved.subarray(0, expected.length)), hex(expected))
      assert.strictEqual(saved.length, Math.ceil(expected.length / 4096) * 4096)

      // Re-zoned by the new count; each new zone accepts until one short of its capacity.
      const capacity = zoneCapacity(recordsPerChapter, newZoneCount)
      const accepted: Array<Array<(typeof stream)[number]>> = Array.from({ length: newZoneCount }, () => [])
      for (const record of stream) {
        const list = accepted[record.name[0]! % newZoneCount]!
        if (list.length < Math.min(capacity, Math.max(1, capacity - 1))) list.push(record)
      }
      const { summary, zones: loaded } = mustLoad(Saved.load(saved, recordsPerChapter, newZoneCount, zoneOfCount(newZoneCount)))
      const keptCount = accepted.reduce((sum, list) => sum + list.length, 0)
      assert.deepStrictEqual(summary, { records: stream.length, loaded: keptCount, dropped: stream.length - keptCount, duplicates: 0 })
      const again = Saved.save(loaded)
      const expectedAgain = expectedStream(interleave(accepted))
      assert.strictEqual(hex(again.subarray(0, expectedAgain.length)), hex(expectedAgain))
      if (newZoneCount === spec.zoneCount) {
        // A load renumbers records without the tombstones, which can change the
        // interleave once; from then on save and load are a fixed point.
        const third = Saved.save(mustLoad(Saved.load(again, recordsPerChapter, newZoneCount, zoneOfCount(newZoneCount))).zones)
        assert.strictEqual(hex(third), hex(again), "same zone count: a fixed point")
        if (models.every((model) => model.records.every((record) => !record.deleted))) {
          assert.strictEqual(hex(again), hex(saved), "no deletions: the first save already is")
        }
      }
    }
  )

  const edit = fc.oneof(
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant("count" as const), value: fc.nat(20) })
  )

  it.prop(
    "fuzzed, truncated and random ALBOC streams give CorruptData or a consistent load, never a throw",
    {
      spec: zonesSpec,
      edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
      random: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
      newZoneCount: fc.integer({ min: 1, max: 4 })
    },
    ({ edits, newZoneCount, random, spec }) => {
      const { recordsPerChapter, zones } = buildZones(spec, { fill: false })
      let bytes = random ?? Saved.save(zones).slice()
      for (const step of edits) {
        if (step.kind === "truncate") bytes = bytes.subarray(0, step.at % (bytes.length + 1))
        else if (step.kind === "byte" && bytes.length > 0) bytes[step.at % bytes.length] = step.value
        else if (step.kind === "count" && bytes.length >= 14) new DataView(bytes.buffer, bytes.byteOffset).setUint32(10, step.value, true)
      }
      const result = Saved.load(bytes, recordsPerChapter, newZoneCount, zoneOfCount(newZoneCount))
      if (result instanceof CorruptData) {
        assert.isTrue(result.message.startsWith("the saved open chapter"), result.message)
        return
      }
      const { summary, zones: loaded } = result
      assert.strictEqual(summary.loaded + summary.dropped + summary.duplicates, summary.records)
      assert.strictEqual(loaded.reduce((sum, zone) => sum + zone.liveCount, 0), summary.loaded)
      assert.isTrue(summary.records <= recordsPerChapter)
    },
    { fastCheck: { numRuns: 300 } }
  )
})
