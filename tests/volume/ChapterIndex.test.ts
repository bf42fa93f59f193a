import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc } from "effect"
import { ChapterIndex, Geometry, VolumeError } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { BitWriter, readBits } from "../../packages/volume/src/internal/format/bitStream.js"
import {
  decodeKeyCode,
  INCR_KEYS,
  keyCodeBits,
  MIN_BITS,
  MIN_KEYS,
  putValueAndKeyCode
} from "../../packages/volume/src/internal/format/deltaCode.js"
import { packIndexPages } from "../../packages/volume/src/internal/format/indexPagePacker.js"
import { buildOpenChapterIndex } from "../../packages/volume/src/internal/format/openChapterIndex.js"

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
const makeGeometry = (options: Geometry.Options = {}): Geometry.Geometry => Effect.runSync(Geometry.make(options))
const decode = (geometry: Geometry.Geometry, nonce: bigint, page: Uint8Array): ChapterIndex.IndexPage =>
  Either.getOrThrowWith(ChapterIndex.decodePage(geometry, nonce, page), (error) => new Error(error.message))
const corruptMessage = (geometry: Geometry.Geometry, nonce: bigint, page: Uint8Array): string => {
  const result = ChapterIndex.decodePage(geometry, nonce, page)
  assert.isTrue(Either.isLeft(result), "expected CorruptData")
  return Either.isLeft(result) ? `${result.left._tag}: ${result.left.message}` : ""
}

/** A name for (list, address) with the given address bits: bytes 8..13 hold list·2^bits + address. */
const nameAt = (list: number, address: number, tag: number, addressBits = 22): Uint8Array => {
  const name = new Uint8Array(16).fill(tag)
  let x = list * 2 ** addressBits + address
  for (let i = 13; i >= 8; i--) {
    name[i] = x % 256
    x = Math.floor(x / 256)
  }
  return name
}

/** Records (names only) and their record pages, inserted into the index in array order. */
const packEntries = (
  geometry: Geometry.Geometry,
  nonce: bigint,
  virtualChapter: number,
  entries: ReadonlyArray<readonly [name: Uint8Array, page: number]>
) => {
  const records = new Uint8Array(32 * entries.length)
  const pages = new Uint16Array(entries.length)
  entries.forEach(([name, page], i) => {
    records.set(name, 32 * i)
    pages[i] = page
  })
  const index = buildOpenChapterIndex(geometry, records, entries.length, pages)
  // Packing empties the lists it drops; keep the sizes as built.
  const listBits = index.listBits.slice()
  const listEntries = index.listEntries.slice()
  return { index, listBits, listEntries, packed: packIndexPages(geometry, nonce, virtualChapter, records, index) }
}

const onesGeometry = makeGeometry()
const exampleNonce = 0x0123456789abcdefn
const exampleChapter = 0x10203
const [nameA, nameB, nameC, nameD, nameE, nameF] = [
  nameAt(0, 5000, 0xa1),
  nameAt(0, 70000, 0xb2),
  nameAt(0, 200000, 0xc3),
  nameAt(0, 70000, 0xd4),
  nameAt(1, 0, 0xe5),
  nameAt(0, 70000, 0xf6)
] as const
const exampleEntries: ReadonlyArray<readonly [Uint8Array, number]> = [
  [nameB, 200],
  [nameA, 3],
  [nameC, 77],
  [nameE, 255]
]

describe("ChapterIndex", () => {
  describe("name to delta list and address (spec §1)", () => {
    it("takes the list from bytes 8..13 above the 22 address bits, ignoring the top 14 bits", () => {
      assert.strictEqual(ChapterIndex.deltaList(onesGeometry, nameAt(4095, 4194303, 0)), 4095)
      assert.strictEqual(ChapterIndex.deltaList(onesGeometry, nameAt(1234, 99, 0)), 1234)
      // Bits above list·2^22 (here 2^34 and up) do not matter.
      assert.strictEqual(ChapterIndex.deltaList(onesGeometry, nameAt(1234 + 4096 * 77, 99, 0)), 1234)
    })

    it("uses the geometry's address bits and list count", () => {
      const small = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 8 })
      assert.strictEqual(small.deltaListsPerChapter, 16)
      assert.strictEqual(ChapterIndex.deltaList(small, nameAt(16 * 5 + 11, 7, 0xff, small.chapterAddressBits)), 11)
    })
  })

  describe("key code (spec §4.1)", () => {
    const deltas = [
      0, 1, 20109, 20110, 20111, 65000, MIN_KEYS + 45426 - 1, MIN_KEYS + 45426, 130000,
      MIN_KEYS + 31 * 45426, MIN_KEYS + 32 * 45426, MIN_KEYS + 33 * 45426 + 5, 2 ** 22 - 1
    ]
    for (const delta of deltas) {
      it(`round-trips delta ${delta} at every bit alignment`, () => {
        for (let start = 0; start < 12; start++) {
          const bytes = new Uint8Array(32)
          const writer = new BitWriter(bytes, 0)
          writer.put(0, 8 + start)
          putValueAndKeyCode(writer, 0, 0, delta)
          writer.flush()
          assert.strictEqual(writer.bit - 8 - start, keyCodeBits(delta))
          assert.strictEqual(decodeKeyCode(bytes, 8 + start, writer.bit), delta)
          assert.strictEqual(decodeKeyCode(bytes, 8 + start, writer.bit - 1), -1, "a code cut short does not decode")
        }
      })
    }

    it("uses the constants the spec derives from the mean delta 65536 (spec §5)", () => {
      assert.deepStrictEqual(
        { incrKeys: INCR_KEYS, minBits: MIN_BITS, minKeys: MIN_KEYS },
        Geometry.codingConstants(Geometry.CHAPTER_MEAN_DELTA)
      )
      assert.deepStrictEqual([INCR_KEYS, MIN_BITS, MIN_KEYS], [45426, 16, 20110])
    })

    it("codes deltas below min_keys in 16 bits and from min_keys on in 17 or more", () => {
      assert.strictEqual(keyCodeBits(MIN_KEYS - 1), 16)
      assert.strictEqual(keyCodeBits(MIN_KEYS), 17)
      assert.strictEqual(keyCodeBits(MIN_KEYS + 45426 - 1), 17)
      assert.strictEqual(keyCodeBits(MIN_KEYS + 45426), 18)
    })

    it("codes the largest 22-bit delta with 91 zero bits, 108 bits in all", () => {
      assert.strictEqual(keyCodeBits(2 ** 22 - 1), 108)
      const bytes = new Uint8Array(16)
      const writer = new BitWriter(bytes, 0)
      putValueAndKeyCode(writer, 0, 0, 2 ** 22 - 1)
      writer.flush()
      assert.strictEqual(readBits(bytes, 0, 16), (2 ** 22 - 1 - MIN_KEYS) % 45426 + MIN_KEYS)
      for (let bit = 16; bit < 107; bit++) assert.strictEqual(readBits(bytes, bit, 1), 0)
      assert.strictEqual(readBits(bytes, 107, 1), 1)
    })

    it.prop(
      "round-trips any value and delta after any prefix",
      {
        prefix: fc.integer({ min: 0, max: 70 }),
        payloadBits: fc.integer({ min: 1, max: 16 }),
        value: fc.nat(),
        delta: fc.integer({ min: 0, max: 2 ** 22 - 1 })
      },
      ({ delta, payloadBits, prefix, value }) => {
        const page = value % 2 ** payloadBits
        const bytes = new Uint8Array(40)
        const writer = new BitWriter(bytes, 0)
        writer.skip(prefix)
        putValueAndKeyCode(writer, page, payloadBits, delta)
        writer.put(1, 1)
        writer.flush()
        assert.strictEqual(readBits(bytes, prefix, payloadBits), page)
        const end = prefix + payloadBits + keyCodeBits(delta)
        assert.strictEqual(decodeKeyCode(bytes, prefix + payloadBits, end), delta)
        assert.strictEqual(readBits(bytes, end, 1), 1, "the next field follows right after the code")
      }
    )
  })

  describe("worked example (spec §11)", () => {
    it("codes list 0 as the 76 bits 03 88 13 C8 E8 FD 9B D8 31 09 (spec §11.1)", () => {
      const bytes = new Uint8Array(16)
      const writer = new BitWriter(bytes, 0)
      putValueAndKeyCode(writer, 3, 8, 5000)
      putValueAndKeyCode(writer, 200, 8, 65000)
      putValueAndKeyCode(writer, 77, 8, 130000)
      writer.flush()
      assert.strictEqual(writer.bit, 76)
      assert.strictEqual(hex(bytes.subarray(0, 10)), "038813c8e8fd9bd83109")
    })

    it("packs the four names onto page 0 bit for bit (spec §11.2)", () => {
      const { packed } = packEntries(onesGeometry, exampleNonce, exampleChapter, exampleEntries)
      assert.strictEqual(packed.pages.length, 26)
      const page = packed.pages[0]!
      assert.strictEqual(hex(page.subarray(0, 20)), "efcdab8967452301030201000000000000000010")
      assert.strictEqual(hex(page.subarray(20, 23)), "b330f9")
      assert.strictEqual(readBits(page, 160, 19), 78003)
      assert.strictEqual(readBits(page, 179, 19), 78079)
      assert.strictEqual(readBits(page, 198, 19), 78103)
      assert.strictEqual(readBits(page, 160 + 19 * 4096, 19), 78103)
      assert.strictEqual(hex(page.subarray(9750, 9762)), "19409c4046efdfc48ec97f00")
      // Byte 9762 holds list data in bits 0..6 only; the rest of the page up to the guard is written as zeros.
      assert.isTrue(page.subarray(9762, 32761).every((byte) => byte === 0))
      assert.strictEqual(hex(page.subarray(32761)), "ffffffffffffff")
    })

    it("answers the example's searches: each name, a same-address hint, and none (spec §11.2)", () => {
      const { packed } = packEntries(onesGeometry, exampleNonce, exampleChapter, exampleEntries)
      const page = decode(onesGeometry, exampleNonce, packed.pages[0]!)
      assert.strictEqual(page.virtualChapter, exampleChapter)
      assert.strictEqual(page.lowestList, 0)
      assert.strictEqual(page.highestList, 4095)
      assert.strictEqual(page.search(nameA), 3)
      assert.strictEqual(page.search(nameB), 200)
      assert.strictEqual(page.search(nameC), 77)
      assert.strictEqual(page.search(nameE), 255)
      assert.strictEqual(page.search(nameAt(0, 70000, 0x99)), 200)
      assert.strictEqual(page.search(nameAt(0, 70001, 0x99)), undefined)
      assert.strictEqual(packed.decoded[0]!.search(nameC), 77, "the packer's own decoded page answers too")
    })

    it("records every list on page 0 and the other 25 pages empty in the map", () => {
      const { packed } = packEntries(onesGeometry, exampleNonce, exampleChapter, exampleEntries)
      assert.deepStrictEqual(packed.highestLists, Array.from({ length: 26 }, () => 4095))
      const last = decode(onesGeometry, exampleNonce, packed.pages[25]!)
      assert.strictEqual(last.listCount, 0)
      assert.strictEqual(last.lowestList, 4096)
      assert.strictEqual(last.highestList, 4095)
      assert.strictEqual(last.search(nameA), undefined)
    })

    it("inserts a collision directly after the normal entry, newest first: A, B, F, D, C (spec §11.3)", () => {
      const entries = [...exampleEntries, [nameD, 17], [nameF, 18]] as const
      const { packed } = packEntries(onesGeometry, exampleNonce, exampleChapter, entries)
      const bytes = packed.pages[0]!
      assert.strictEqual(readBits(bytes, 160, 19), 78003)
      assert.strictEqual(readBits(bytes, 179, 19), 78003 + 76 + 2 * 152)
      const list0 = 78003
      const valuesAt = [0, 24, 49, 49 + 152, 49 + 304].map((bit) => readBits(bytes, list0 + bit, 8))
      assert.deepStrictEqual(valuesAt, [3, 200, 18, 17, 77])
      assert.strictEqual(readBits(bytes, list0 + 57, 16), 0, "a collision's key code is sixteen 0 bits")
      const storedName = new Uint8Array(16).map((_, i) => readBits(bytes, list0 + 49 + 24 + 8 * i, 8))
      assert.strictEqual(hex(storedName), hex(nameF))
      const page = decode(onesGeometry, exampleNonce, bytes)
      assert.strictEqual(page.search(nameD), 17)
      assert.strictEqual(page.search(nameF), 18)
      assert.strictEqual(page.search(nameB), 200)
      assert.strictEqual(page.search(nameAt(0, 70000, 0x99)), 200)
    })

    it("grows list 0 by 152 bits for one collision: offsets 78003, 78231, 78255 (spec §11.3)", () => {
      const { packed } = packEntries(onesGeometry, exampleNonce, exampleChapter, [...exampleEntries, [nameD, 17]])
      const bytes = packed.pages[0]!
      assert.deepStrictEqual([0, 1, 2].map((j) => readBits(bytes, 160 + 19 * j, 19)), [78003, 78231, 78255])
      assert.strictEqual(decode(onesGeometry, exampleNonce, bytes).search(nameD), 17)
    })
  })

  describe("duplicate names (spec §6 step 4)", () => {
    it("indexes a name twice (normal and collision) and refuses the third copy", () => {
      const name = nameAt(3, 1234, 0x42)
      const { index, packed } = packEntries(onesGeometry, 1n, 0, [[name, 5], [name, 6], [name, 7], [nameA, 8]])
      assert.strictEqual(index.duplicates, 1)
      assert.strictEqual(index.overflows, 0)
      const page = decode(onesGeometry, 1n, packed.pages[0]!)
      assert.strictEqual(page.search(name), 6, "the collision entry carries the name")
      assert.strictEqual(page.search(nameA), 8)
    })

    it("refuses a repeated collision name but keeps other names at that address", () => {
      const [first, second, third] = [nameAt(2, 9, 1), nameAt(2, 9, 2), nameAt(2, 9, 3)]
      const { index, packed } = packEntries(onesGeometry, 1n, 0, [
        [first, 1],
        [second, 2],
        [second, 3],
        [third, 4],
        [first, 5]
      ])
      assert.strictEqual(index.duplicates, 1)
      const page = decode(onesGeometry, 1n, packed.pages[0]!)
      assert.strictEqual(page.search(first), 5, "the first name's later copy became a collision")
      assert.strictEqual(page.search(second), 2)
      assert.strictEqual(page.search(third), 4)
    })

    it("reports duplicates through packChapter without counting them as overflows", () => {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 8 })
      const records = RecordGenerator.chapters(geometry, 5, 0, 0)[0]!
      for (const copy of [100, 200, 300]) records.copyWithin(32 * copy, 0, 32)
      const packed = ChapterIndex.packChapter(geometry, 9n, 0, records, geometry.recordsPerChapter)
      assert.strictEqual(packed.duplicates, 2)
      assert.strictEqual(packed.overflows, 0)
      assert.strictEqual(decode(geometry, 9n, packed.pages[0]!).search(records.subarray(0, 16)), 0)
    })
  })

  describe("list size limit and page drops (spec §6.6, §7.4)", () => {
    // 16 KiB pages, 2 record pages: 1024 records, 4 lists, 1-bit values, one index page.
    const wide = makeGeometry({ bytesPerPage: 16384, recordPagesPerChapter: 2 })

    it("refuses collisions once the list would pass 65535 bits, keeping the first 451", () => {
      const entries = Array.from({ length: 1024 }, (_, i) => [nameAt(0, 0, 0, 22).map((b, j) => j < 8 ? (i >> (j * 2)) & 0xff : b), i % 2] as const)
      const { index, listBits, packed } = packEntries(wide, 1n, 0, entries)
      assert.strictEqual(index.overflows, 1024 - 452)
      assert.strictEqual(listBits[0], 17 + 451 * 145)
      const page = decode(wide, 1n, packed.pages[0]!)
      for (let i = 0; i < 1024; i++) {
        // Refused names fall back to the normal entry (record 0, page 0): a hint.
        assert.strictEqual(page.search(entries[i]![0]), i <= 451 ? i % 2 : 0, `name ${i}`)
      }
    })

    it("replays a list over the limit insert by insert, as the reference grows it", () => {
      let tag = 0
      const at = (address: number): Uint8Array => {
        tag++
        return nameAt(1, address, 0).map((b, j) => (j < 2 ? (tag >> (8 * j)) & 0xff : b))
      }
      const arrivals: Array<readonly [Uint8Array, number]> = []
      for (let i = 0; i < 453; i++) arrivals.push([at(0), i % 2]) // normal, 451 collisions, 1 refused
      const later = [100, 50, 4194303, 200, 150, 70000, 4194303, 1000, 2000, 3000, 100]
      for (const address of later) arrivals.push([at(address), 1])
      const { index, listBits, listEntries, packed } = packEntries(wide, 1n, 0, arrivals)
      // Refused: collision 453, 4194303 (twice: 109 and 108 bits), 3000, and the collision at 100.
      assert.strictEqual(index.overflows, 5)
      assert.strictEqual(listBits[1], 65533)
      assert.strictEqual(listEntries[1], 459)
      const page = decode(wide, 1n, packed.pages[0]!)
      const answers = arrivals.slice(453).map(([name]) => page.search(name))
      assert.deepStrictEqual(answers, [1, 1, undefined, 1, 1, 1, undefined, 1, 1, undefined, 1])
    })

    it("drops a list that alone does not fit an empty page, on any page", () => {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 64 })
      const records = RecordGenerator.chapters(geometry, 3, 0, 0)[0]!
      // 301 names at list 0, address 7: 6 + 16 + 301·150 bits, more than the 32533 a page can hold.
      for (let i = 0; i < 301; i++) records.set(nameAt(0, 7, 0, 22).map((b, j) => (j < 2 ? (i >> (8 * j)) & 0xff : b)), 32 * i)
      const packed = ChapterIndex.packChapter(geometry, 5n, 0, records, geometry.recordsPerChapter)
      const firstListNames = records.subarray(0, 32 * 301)
      const randomRecords = Array.from({ length: geometry.recordsPerChapter }, (_, i) => i)
        .filter((i) => i >= 301 && ChapterIndex.deltaList(geometry, records.subarray(32 * i, 32 * i + 16)) !== 0)
      assert.strictEqual(packed.overflows, 301 + (geometry.recordsPerChapter - 301 - randomRecords.length))
      const pages = packed.pages.map((bytes) => decode(geometry, 5n, bytes))
      assert.strictEqual(pages[0]!.lowestList, 0)
      assert.isUndefined(pages[0]!.search(firstListNames.subarray(0, 16)))
      for (const i of randomRecords) {
        const name = records.subarray(32 * i, 32 * i + 16)
        const list = ChapterIndex.deltaList(geometry, name)
        const page = pages.find((p) => p.lowestList <= list && list <= p.highestList)!
        assert.strictEqual(page.search(name), Math.floor(i / geometry.recordsPerPage))
      }
    })

    // 4 KiB pages, 8 record pages: 16 lists, 3-bit values, a single (last) index page of 32533 free bits.
    const single = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 8 })
    const listZero = (collisions: number, extraNormals: number): Array<readonly [Uint8Array, number]> => [
      [nameAt(0, 0, 0), 1],
      ...Array.from({ length: collisions }, (_, i) => [nameAt(0, 0, i + 1), 2] as const),
      ...Array.from({ length: extraNormals }, (_, i) => [nameAt(0, i + 1, 0), 3] as const)
    ]

    it("on the last page, drops the first list that does not fit", () => {
      const second = Array.from({ length: 31 }, (_, i) => [nameAt(1, 5, i), 4] as const)
      const { listBits, packed } = packEntries(single, 2n, 0, [...listZero(200, 0), ...second])
      // List 0 fits (19 + 29419 of 32533 bits), list 1 (19 + 4429) does not.
      assert.deepStrictEqual([listBits[0], listBits[1]], [29419, 4429])
      assert.strictEqual(packed.dropped, 31)
      const page = decode(single, 2n, packed.pages[0]!)
      assert.strictEqual(page.listCount, 16)
      assert.strictEqual(page.search(nameAt(0, 0, 7)), 2)
      assert.isUndefined(page.search(second[3]![0]))
    })

    it("on the last page, steps back to the last list that fit when the first that did not is empty", () => {
      // List 0: 19 + 200·147 + 162·19 = 32497 bits: with its offset it leaves 17 bits, too few for list 1's.
      const { listBits, packed } = packEntries(single, 2n, 0, listZero(200, 162))
      assert.strictEqual(listBits[0], 32497)
      assert.strictEqual(packed.dropped, 363)
      const page = decode(single, 2n, packed.pages[0]!)
      assert.strictEqual(page.listCount, 16)
      assert.isUndefined(page.search(nameAt(0, 0, 0)))
      assert.deepStrictEqual(packed.highestLists, [15])
    })
  })

  describe("pack, decode and search round trip", () => {
    interface ChapterSpec {
      readonly bytesPerPage: number
      readonly recordPagesPerChapter: number
      readonly seed: number
      readonly indexedShare: number
      readonly collisions: number
      readonly virtualChapter: number
    }
    const chapterSpec: fc.Arbitrary<ChapterSpec> = fc.record({
      bytesPerPage: fc.constantFrom(256, 512, 1000, 4096),
      recordPagesPerChapter: fc.integer({ min: 1, max: 24 }),
      seed: fc.integer(),
      indexedShare: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      collisions: fc.integer({ min: 0, max: 6 }),
      virtualChapter: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER))
    })

    /** A chapter of generated records where some names share bytes 8..13 (list and address) with another. */
    const chapterOf = (spec: ChapterSpec) => {
      const geometry = makeGeometry({ bytesPerPage: spec.bytesPerPage, recordPagesPerChapter: spec.recordPagesPerChapter })
      const records = RecordGenerator.chapters(geometry, spec.seed, 0, 0)[0]!
      const count = geometry.recordsPerChapter
      for (let c = 1; c <= spec.collisions && count > 1; c++) {
        const from = (c * 7919 + (spec.seed >>> 0)) % count
        const to = (from + c * 31) % count
        if (from !== to) records.copyWithin(32 * to + 8, 32 * from + 8, 32 * from + 14)
      }
      return { geometry, records, indexed: Math.floor(spec.indexedShare * count) }
    }

    /**
     * The answers the spec gives, from (list, address) groups built insert by
     * insert, leaving out the lists `dropped` says the packer dropped.
     */
    const oracleOf = (geometry: Geometry.Geometry, records: Uint8Array, indexed: number) => {
      const split = (name: Uint8Array) => {
        const x = BigInt(`0x${hex(name.subarray(8, 14))}`)
        const bits = BigInt(geometry.chapterAddressBits)
        return { list: Number((x >> bits) % BigInt(geometry.deltaListsPerChapter)), address: x % (1n << bits) }
      }
      const keyOf = (name: Uint8Array): string => `${split(name).list}:${split(name).address}`
      const groups = new Map<string, { readonly normal: number; readonly collisions: Map<string, number> }>()
      const entriesPerList = new Map<number, number>()
      for (let i = 0; i < indexed; i++) {
        const name = records.subarray(32 * i, 32 * i + 16)
        const page = Math.floor(i / geometry.recordsPerPage)
        const group = groups.get(keyOf(name))
        if (group !== undefined && group.collisions.has(hex(name))) continue
        if (group === undefined) groups.set(keyOf(name), { normal: page, collisions: new Map() })
        else group.collisions.set(hex(name), page)
        entriesPerList.set(split(name).list, (entriesPerList.get(split(name).list) ?? 0) + 1)
      }
      return {
        entriesPerList,
        answer: (name: Uint8Array, dropped: (list: number) => boolean): number | undefined => {
          const group = groups.get(keyOf(name))
          if (group === undefined || dropped(split(name).list)) return undefined
          return group.collisions.get(hex(name)) ?? group.normal
        }
      }
    }

    /** The lists with entries in the model but no bits on the pages: those the packer dropped. */
    const droppedLists = (pages: ReadonlyArray<ChapterIndex.IndexPage>, entriesPerList: Map<number, number>) => {
      const dropped = new Set<number>()
      for (const page of pages) {
        for (let j = 0; j < page.listCount; j++) {
          const size = readBits(page.bytes, 160 + 19 * (j + 1), 19) - readBits(page.bytes, 160 + 19 * j, 19)
          if (size === 0 && entriesPerList.has(page.lowestList + j)) dropped.add(page.lowestList + j)
        }
      }
      return dropped
    }

    const pageFor = (pages: ReadonlyArray<ChapterIndex.IndexPage>, list: number) =>
      pages.find((page) => page.listCount > 0 && page.lowestList <= list && list <= page.highestList)!

    it.prop("finds every indexed name on its record page and gives the spec's answer for others", { spec: chapterSpec }, ({ spec }) => {
      const { geometry, indexed, records } = chapterOf(spec)
      const nonce = BigInt(spec.seed >>> 0) * 0x100000001n
      const packed = ChapterIndex.packChapter(geometry, nonce, spec.virtualChapter, records, indexed)
      assert.strictEqual(packed.pages.length, geometry.indexPagesPerChapter)
      const decoded = packed.pages.map((bytes) => decode(geometry, nonce, bytes))
      const oracle = oracleOf(geometry, records, indexed)
      // Small pages can force the packer to drop whole lists (spec §7.4); it counts their entries.
      const dropped = droppedLists(decoded, oracle.entriesPerList)
      let droppedEntries = 0
      for (const list of dropped) droppedEntries += oracle.entriesPerList.get(list)!
      assert.strictEqual(packed.overflows, droppedEntries)
      const strangers = RecordGenerator.chapters(geometry, spec.seed ^ 0x5bd1e995, 0, 0)[0]!
      for (const batch of [records, strangers.subarray(0, 32 * 64)]) {
        for (let i = 0; i < batch.length / 32; i++) {
          const name = batch.subarray(32 * i, 32 * i + 16)
          const list = ChapterIndex.deltaList(geometry, name)
          const expected = oracle.answer(name, (l) => dropped.has(l))
          assert.strictEqual(pageFor(decoded, list).search(name), expected)
          assert.strictEqual(pageFor(packed.decoded, list).search(name), expected)
        }
      }
    }, { fastCheck: { numRuns: 60 } })

    it.prop("covers lists 0 .. lists−1 in order and maps each page to its highest list", { spec: chapterSpec }, ({ spec }) => {
      const { geometry, indexed, records } = chapterOf(spec)
      const packed = ChapterIndex.packChapter(geometry, 7n, spec.virtualChapter, records, indexed)
      const decoded = packed.pages.map((bytes) => decode(geometry, 7n, bytes))
      let next = 0
      decoded.forEach((page, k) => {
        assert.strictEqual(page.virtualChapter, spec.virtualChapter)
        assert.strictEqual(page.lowestList, next)
        next += page.listCount
        assert.strictEqual(packed.highestLists[k], next - 1)
        assert.strictEqual(packed.decoded[k]!.highestList, page.highestList)
        assert.strictEqual(hex(packed.decoded[k]!.bytes), hex(page.bytes))
      })
      assert.strictEqual(next, geometry.deltaListsPerChapter)
    }, { fastCheck: { numRuns: 40 } })

    it("packs a whole chapter as pack does", () => {
      const geometry = makeGeometry({ bytesPerPage: 1024, recordPagesPerChapter: 16 })
      const records = RecordGenerator.chapters(geometry, 11, 2, 2)[0]!
      const pages = ChapterIndex.pack(geometry, 3n, 2, records)
      const packed = ChapterIndex.packChapter(geometry, 3n, 2, records, geometry.recordsPerChapter)
      assert.deepStrictEqual(pages.map(hex), packed.pages.map(hex))
    })

    it("leaves the fill records after indexedRecords out of the index", () => {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 8 })
      const records = RecordGenerator.chapters(geometry, 4, 0, 0)[0]!
      const indexed = 700
      for (let i = indexed; i < geometry.recordsPerChapter; i++) records.copyWithin(32 * i, 32 * (indexed - 1), 32 * indexed)
      const packed = ChapterIndex.packChapter(geometry, 1n, 0, records, indexed)
      assert.strictEqual(packed.duplicates, 0)
      const page = decode(geometry, 1n, packed.pages[0]!)
      assert.strictEqual(page.search(records.subarray(32 * (indexed - 1), 32 * (indexed - 1) + 16)), 5)
      assert.strictEqual(page.search(records.subarray(0, 16)), 0)
    })

    it("gives undefined for a name whose list is not on the page", () => {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 64 })
      const records = RecordGenerator.chapters(geometry, 1, 0, 0)[0]!
      const packed = ChapterIndex.packChapter(geometry, 1n, 0, records, geometry.recordsPerChapter)
      const first = packed.decoded[0]!
      const outside = Array.from({ length: 200 }, (_, i) => records.subarray(32 * i, 32 * i + 16))
        .filter((name) => ChapterIndex.deltaList(geometry, name) > first.highestList)
      assert.isAbove(outside.length, 0)
      for (const name of outside) assert.isUndefined(first.search(name))
    })

    it("keeps its own copy of the bytes, so the caller may reuse its buffer", () => {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 16 })
      const records = RecordGenerator.chapters(geometry, 5, 0, 0)[0]!
      const packed = ChapterIndex.packChapter(geometry, 1n, 0, records, geometry.recordsPerChapter)
      const buffer = packed.pages[0]!.slice()
      const page = decode(geometry, 1n, buffer)
      const names = Array.from({ length: 200 }, (_, i) => records.subarray(32 * i, 32 * i + 16))
      const before = names.map((name) => page.search(name))
      buffer.fill(0)
      assert.strictEqual(hex(page.bytes), hex(packed.pages[0]!))
      assert.deepStrictEqual(names.map((name) => page.search(name)), before)
      assert.isTrue(before.some((answer) => answer !== undefined))
    })

    it("decodes many pages in a row into pages that stay independent", () => {
      const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 16 })
      const chapters = RecordGenerator.chapters(geometry, 6, 0, 63)
      const pages = chapters.map((records, chapter) => ({
        records,
        bytes: ChapterIndex.packChapter(geometry, 1n, chapter, records, geometry.recordsPerChapter).pages
      }))
      const decoded = pages.map(({ bytes }) => bytes.map((page) => decode(geometry, 1n, page)))
      decoded.forEach((chapterPages, chapter) => {
        chapterPages.forEach((page, k) => {
          assert.strictEqual(page.virtualChapter, chapter)
          assert.strictEqual(hex(page.bytes), hex(pages[chapter]!.bytes[k]!))
        })
        const { records } = pages[chapter]!
        for (let i = 0; i < geometry.recordsPerChapter; i += 97) {
          const name = records.subarray(32 * i, 32 * i + 16)
          const found = chapterPages.map((page) => page.search(name)).find((answer) => answer !== undefined)
          assert.strictEqual(found, Math.floor(i / geometry.recordsPerPage), `chapter ${chapter} record ${i}`)
        }
      })
    })
  })

  describe("bad input", () => {
    const geometry = makeGeometry({ bytesPerPage: 1024, recordPagesPerChapter: 4, chaptersPerVolume: 4 })
    const records = RecordGenerator.chapters(geometry, 1, 0, 0)[0]!
    const invalid = (f: () => unknown, mentions: string) => {
      let thrown: unknown
      try {
        f()
      } catch (error) {
        thrown = error
      }
      assert.instanceOf(thrown, VolumeError.InvalidArgument)
      assert.include((thrown as VolumeError.InvalidArgument).message, mentions)
    }

    it("pack of the wrong number of records throws InvalidArgument naming the chapter size", () => {
      for (const wrong of [records.subarray(0, 32 * 5), new Uint8Array(records.length + 32), new Uint8Array(0)]) {
        invalid(() => ChapterIndex.pack(geometry, 7n, 0, wrong), `whole chapter of 128 records (4096 bytes), got ${wrong.length} bytes`)
        const either = ChapterIndex.packEither(geometry, 7n, 0, wrong)
        assert.isTrue(Either.isLeft(either) && either.left._tag === "InvalidArgument")
      }
      invalid(() => ChapterIndex.pack(geometry, 7n, 0, null as unknown as Uint8Array), "got null")
    })

    it("pack of a bad nonce or virtual chapter throws InvalidArgument saying what is allowed", () => {
      invalid(() => ChapterIndex.pack(geometry, -1n, 0, records), "nonce must be a bigint from 0 to 2^64 - 1, got -1")
      invalid(() => ChapterIndex.pack(geometry, 1n << 64n, 0, records), "nonce must be a bigint")
      invalid(() => ChapterIndex.pack(geometry, 7 as unknown as bigint, 0, records), "got 7")
      invalid(() => ChapterIndex.pack(geometry, 7n, -1, records), "virtual chapter must be a non-negative integer, got -1")
      invalid(() => ChapterIndex.pack(geometry, 7n, 2 ** 53, records), "non-negative integer")
      invalid(() => ChapterIndex.packChapter(geometry, 7n, 0, records, 129), "indexedRecords must be an integer from 0 to 128")
    })

    it("packEither of good input gives exactly the pages of pack", () => {
      const either = ChapterIndex.packEither(geometry, 7n, 3, records)
      assert.deepStrictEqual(Either.getOrThrow(either).map(hex), ChapterIndex.pack(geometry, 7n, 3, records).map(hex))
    })

    it("decodePage of something that is not a Uint8Array is CorruptData; a bad nonce throws InvalidArgument", () => {
      const page = ChapterIndex.pack(geometry, 7n, 3, records)[0]!
      for (const bytes of [null, undefined, "page", [1, 2]]) {
        const decoded = ChapterIndex.decodePage(geometry, 7n, bytes as unknown as Uint8Array)
        assert.isTrue(Either.isLeft(decoded) && decoded.left.message.includes("must be a Uint8Array of 1024 bytes"))
      }
      invalid(() => ChapterIndex.decodePage(geometry, "7" as unknown as bigint, page), "nonce must be a bigint")
      invalid(() => ChapterIndex.decodePage(geometry, -7n, page), "got -7")
      assert.strictEqual(Either.getOrThrow(ChapterIndex.decodePage(geometry, 7n, page)).virtualChapter, 3)
    })

    it("deltaList of a name that is not 16 bytes throws InvalidArgument", () => {
      invalid(() => ChapterIndex.deltaList(geometry, new Uint8Array(15)), "16 bytes, got 15")
      invalid(() => ChapterIndex.deltaList(geometry, null as unknown as Uint8Array), "got null")
    })
  })

  describe("decoding corrupt pages", () => {
    const geometry = makeGeometry({ bytesPerPage: 4096, recordPagesPerChapter: 6 })
    const nonce = 0xa1b2c3d4e5f60718n
    const records = RecordGenerator.chapters(geometry, 1, 3, 3)[0]!
    const good = ChapterIndex.pack(geometry, nonce, 3, records)[0]!
    const names = Array.from({ length: geometry.recordsPerChapter }, (_, i) => records.subarray(32 * i, 32 * i + 16))
    const setBits = (bytes: Uint8Array, bit: number, width: number, value: number): void => {
      for (let i = 0; i < width; i++) {
        const at = bit + i
        bytes[at >> 3] = (bytes[at >> 3]! & ~(1 << (at & 7))) | (((value >> i) & 1) << (at & 7))
      }
    }
    const offsetAt = (bytes: Uint8Array, j: number): number => readBits(bytes, 160 + 19 * j, 19)
    const edited = (edit: (bytes: Uint8Array) => void): Uint8Array => {
      const bytes = good.slice()
      edit(bytes)
      return bytes
    }
    /** Decodes without throwing; a page that decodes answers every name with a record page or none. */
    const decodesSafely = (bytes: Uint8Array): boolean => {
      const result = ChapterIndex.decodePage(geometry, nonce, bytes)
      if (Either.isLeft(result)) return false
      for (const name of names) {
        const page = result.right.search(name)
        assert.isTrue(page === undefined || (Number.isInteger(page) && page >= 0 && page < geometry.recordPagesPerChapter))
      }
      return true
    }

    it("decodes the good page", () => {
      assert.isTrue(decodesSafely(good))
      assert.strictEqual(decode(geometry, nonce, good).search(names[500]!), Math.floor(500 / geometry.recordsPerPage))
    })

    it("names the nonce that does not match", () => {
      const message = corruptMessage(geometry, nonce + 1n, good)
      assert.include(message, "CorruptData: index page nonce 11651590505119483672 does not match volume nonce 11651590505119483673")
    })

    it("rejects a page shorter or longer than bytesPerPage, naming both sizes", () => {
      assert.include(corruptMessage(geometry, nonce, good.subarray(0, 4095)), "4095 bytes, expected 4096")
      assert.include(corruptMessage(geometry, nonce, new Uint8Array(4097)), "4097 bytes, expected 4096")
      assert.include(corruptMessage(geometry, nonce, new Uint8Array(0)), "0 bytes, expected 4096")
    })

    it("rejects decreasing list offsets, naming the list", () => {
      const bytes = edited((b) => setBits(b, 160 + 19 * 5, 19, offsetAt(b, 4) - 1))
      assert.include(corruptMessage(geometry, nonce, bytes), "index page list offsets decrease at list 4")
    })

    it("rejects a first offset that is not right after the offset table", () => {
      const bytes = edited((b) => setBits(b, 160, 19, offsetAt(b, 0) + 1))
      assert.include(corruptMessage(geometry, nonce, bytes), "first list offset")
    })

    it("rejects list data that runs into the guard bytes", () => {
      const lists = geometry.deltaListsPerChapter
      const bytes = edited((b) => setBits(b, 160 + 19 * lists, 19, (4096 - 7) * 8 + 1))
      assert.include(corruptMessage(geometry, nonce, bytes), "past the guard bytes")
    })

    it("rejects a list count larger than a page can hold", () => {
      const bytes = edited((b) => b.set([0xff, 0xff], 18))
      assert.include(corruptMessage(geometry, nonce, bytes), "list count 65535")
    })

    it("rejects guard bytes that are not 0xFF, naming the byte", () => {
      const bytes = edited((b) => {
        b[4091] = 0xfe
      })
      assert.include(corruptMessage(geometry, nonce, bytes), "guard byte 4091 is 254")
    })

    it("rejects an entry that names a record page the chapter does not have", () => {
      // 6 record pages need 3-bit values; 7 is not a page. The first entry of list 0 starts at offset(0).
      const bytes = edited((b) => setBits(b, offsetAt(b, 0), 3, 7))
      assert.include(corruptMessage(geometry, nonce, bytes), "index page list 0 names record page 7, but a chapter has 6")
    })

    it("rejects a list whose last entry runs past its end", () => {
      const bytes = edited((b) => setBits(b, 160 + 19, 19, offsetAt(b, 1) - 1))
      assert.include(corruptMessage(geometry, nonce, bytes), "runs past the end of the list")
    })

    it("rejects a virtual chapter beyond Number.MAX_SAFE_INTEGER, 2^64 − 1 included", () => {
      const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset)
      const beyond = edited((b) => view(b).setBigUint64(8, 2n ** 53n, true))
      assert.include(corruptMessage(geometry, nonce, beyond), "virtual chapter 9007199254740992")
      const invalid = edited((b) => view(b).setBigUint64(8, 2n ** 64n - 1n, true))
      assert.include(corruptMessage(geometry, nonce, invalid), "virtual chapter 18446744073709551615")
      const largest = edited((b) => view(b).setBigUint64(8, BigInt(Number.MAX_SAFE_INTEGER), true))
      assert.strictEqual(decode(geometry, nonce, largest).virtualChapter, Number.MAX_SAFE_INTEGER)
    })

    it("accepts a header written big-endian, with the same answers", () => {
      const bytes = edited((b) => {
        const view = new DataView(b.buffer, b.byteOffset)
        view.setBigUint64(0, nonce, false)
        view.setBigUint64(8, 3n, false)
        view.setUint16(16, 0, false)
        view.setUint16(18, geometry.deltaListsPerChapter, false)
      })
      const page = decode(geometry, nonce, bytes)
      assert.strictEqual(page.virtualChapter, 3)
      assert.strictEqual(page.listCount, geometry.deltaListsPerChapter)
      for (const name of names.slice(0, 100)) assert.strictEqual(page.search(name), decode(geometry, nonce, good).search(name))
    })

    it("reports both readings when neither byte order fits", () => {
      const message = corruptMessage(geometry, 5n, good)
      assert.include(message, "does not match volume nonce 5 (read as big-endian: index page nonce")
    })

    it.prop("never throws on random bytes", { bytes: fc.uint8Array({ minLength: 0, maxLength: 4100 }) }, ({ bytes }) => {
      decodesSafely(bytes)
    }, { fastCheck: { numRuns: 50 } })

    it.prop("never throws on a good header over random list bits", { seed: fc.integer() }, ({ seed }) => {
      const bytes = good.slice()
      const noise = RecordGenerator.chapters(geometry, seed, 0, 0)[0]!
      bytes.set(noise.subarray(0, 4096 - 7 - 400), 400)
      decodesSafely(bytes)
    }, { fastCheck: { numRuns: 50 } })

    it.prop(
      "never throws on a page with a few bits flipped, and stays searchable when it decodes",
      { flips: fc.array(fc.integer({ min: 0, max: 4096 * 8 - 1 }), { minLength: 1, maxLength: 3 }) },
      ({ flips }) => {
        const bytes = good.slice()
        for (const bit of flips) bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7))
        decodesSafely(bytes)
      },
      { fastCheck: { numRuns: 300 } }
    )

    it("truncated copies of the good page never decode", () => {
      for (let length = 0; length < 4096; length += 97) {
        assert.isFalse(decodesSafely(good.subarray(0, length)))
      }
    })
  })
})
