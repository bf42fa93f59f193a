// Every public function of @effect-uds/volume fed values of the wrong type and
// range: nothing may escape as a defect.
//
// The contract checked here (see each module's doc comment):
// - an Effect (or Layer) fails with a typed error (InvalidArgument for bad
//   input), never dies;
// - a pure function whose API.md signature cannot carry an error
//   (RecordPage.encode/search, ChapterIndex.pack/packChapter/deltaList, a bad
//   nonce to decodePage) throws only the `InvalidArgument` (its `*Either`
//   twin returns it);
// - a pure function returning `Either` never throws;
// - the unchecked hot-path primitives (Geometry.mapToPhysicalChapter and
//   friends, RecordPage.findSlot) return a value, never throw, for any number
//   or any Uint8Array.
// Values typed as a `Geometry` come from `Geometry.make` (its type cannot be
// satisfied otherwise), and probes and the fault/crash controls (test
// tooling) are called as their types say; every other parameter gets anything.
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, FastCheck as fc, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  BlockDevice,
  ChapterBoundaries,
  ChapterIndex,
  Geometry,
  IndexLayout,
  IndexPageMap,
  PageCache,
  RecordPage,
  Volume,
  VolumeError
} from "@effect-uds/volume"
import { chapterRecords, NONCE, recordAt } from "../support/volumes.js"

// Values of every kind, and the edges of the numeric ranges the API takes.
const edgeValue = fc.constantFrom<unknown>(
  null, undefined, Number.NaN, Infinity, -Infinity, -1, -0, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64,
  "", "16", "x", [], [1, 2], {}, 1n, -1n, 2n ** 64n, true, new Uint8Array(0), new Uint8Array(17), new Uint16Array(8),
  () => 1,
  // Objects a template string cannot turn into text: a message must still describe them.
  { toString: 0 }, Object.create(null), Symbol("bad")
)
const anyValue = fc.oneof(edgeValue, fc.anything({ maxDepth: 2, maxKeys: 4 }))
const badNumber = fc.oneof(anyValue, fc.integer({ min: -10, max: 10 }), fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }))
// Any number at all, for the unchecked arithmetic that takes numbers.
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, -0, 0.5, 2 ** 53, 2 ** 64)
)
const badBytes = fc.oneof(anyValue, fc.uint8Array({ maxLength: 48 }), fc.constantFrom(new Uint8Array(16), new Uint8Array(15)))
const badBigint = fc.oneof(anyValue, fc.bigInt(), fc.constantFrom(0n, NONCE, 2n ** 64n - 1n))
const badOptions = (keys: ReadonlyArray<string>) =>
  fc.oneof(anyValue, fc.dictionary(fc.constantFrom(...keys), fc.oneof(badNumber, fc.boolean()), { maxKeys: keys.length }))

const as = <T>(value: unknown): T => value as T

/** Asserts that an exit is a success or a typed failure: no defect, no interruption. */
const assertTyped = <A, E>(exit: Exit.Exit<A, E>, what: string): void => {
  if (Exit.isSuccess(exit)) return
  assert.isTrue(Cause.isFailType(exit.cause) || Cause.isSequentialType(exit.cause) || Cause.isParallelType(exit.cause),
    `${what}: ${Cause.pretty(exit.cause)}`)
  assert.deepStrictEqual([...Cause.defects(exit.cause)], [], `${what}: a defect escaped: ${Cause.pretty(exit.cause)}`)
  assert.isFalse(Cause.isInterrupted(exit.cause), `${what}: interrupted`)
  for (const error of Cause.failures(exit.cause)) {
    const tag = (error as { readonly _tag?: unknown })._tag
    assert.include(["InvalidArgument", "CorruptData", "IoError", "Queued"], tag, `${what}: untyped failure ${String(error)}`)
  }
}

/** Runs `effect` (built inside the check, so a synchronous throw counts too) and asserts no defect escaped. */
const noDefect = <A, E, R>(what: string, effect: () => Effect.Effect<A, E, R>): Effect.Effect<void, never, R> =>
  Effect.map(Effect.exit(Effect.suspend(effect)), (exit) => assertTyped(exit, what))

/** Calls `f`; it may return anything, or throw an InvalidArgument (`allowThrow`), nothing else. */
const returnsOrInvalid = (what: string, f: () => unknown, allowThrow: boolean): void => {
  try {
    f()
  } catch (error) {
    assert.isTrue(allowThrow, `${what} threw ${String(error)}`)
    assert.instanceOf(error, VolumeError.InvalidArgument, `${what} threw ${String(error)}`)
  }
}

const geometries = [
  Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 4, chaptersPerVolume: 4 })),
  Effect.runSync(Geometry.make({ bytesPerPage: 256, recordPagesPerChapter: 16, chaptersPerVolume: 7, remappedVirtual: 9, remappedPhysical: 2 }))
]
const geometry = geometries[0]!
const anyGeometry = fc.constantFrom(...geometries)
const runs = { fastCheck: { numRuns: 100 } }

describe("bad input to every public function: typed errors, no defects", () => {
  describe("Geometry", () => {
    const geometryKeys = [
      "bytesPerPage", "recordPagesPerChapter", "chaptersPerVolume", "sparseChaptersPerVolume", "remappedVirtual", "remappedPhysical"
    ]
    it.effect.prop("make and fromMemorySize fail only with InvalidArgument", [badOptions(geometryKeys), anyValue, badOptions(["sparse", "reduced"])],
      ([options, memory, presetOptions]) =>
        Effect.gen(function*() {
          yield* noDefect("make", () => Geometry.make(as(options)))
          yield* noDefect("fromMemorySize", () => Geometry.fromMemorySize(as(memory), as(presetOptions)))
        }), runs)

    it.prop("the chapter arithmetic returns for any number", [anyGeometry, anyNumber, anyNumber, anyNumber], ([g, x, y, z]) => {
      returnsOrInvalid("mapToPhysicalChapter", () => Geometry.mapToPhysicalChapter(g, x), false)
      returnsOrInvalid("chaptersToExpire", () => Geometry.chaptersToExpire(g, x), false)
      returnsOrInvalid("hasSparseChapters", () => Geometry.hasSparseChapters(g, x, y), false)
      returnsOrInvalid("isChapterSparse", () => Geometry.isChapterSparse(g, x, y, z), false)
      returnsOrInvalid("physicalPage", () => Geometry.physicalPage(g, x, y), false)
      returnsOrInvalid("isReduced", () => Geometry.isReduced(g), false)
      returnsOrInvalid("bitsPer", () => Geometry.bitsPer(x), false)
      returnsOrInvalid("codingConstants", () => Geometry.codingConstants(x), false)
    }, runs)
  })

  describe("RecordPage", () => {
    it.prop("encode and search throw only InvalidArgument; their Either twins and validators never throw",
      [anyGeometry, badBytes, badBytes],
      ([g, records, name]) => {
        const [r, n] = [as<Uint8Array>(records), as<Uint8Array>(name)]
        returnsOrInvalid("encode", () => RecordPage.encode(g, r), true)
        returnsOrInvalid("encodeEither", () => RecordPage.encodeEither(g, r), false)
        returnsOrInvalid("validateRecords", () => RecordPage.validateRecords(g, r), false)
        returnsOrInvalid("validateName", () => RecordPage.validateName(n), false)
        for (const page of [r, new Uint8Array(g.bytesPerPage)]) {
          returnsOrInvalid("search", () => RecordPage.search(g, page, n), true)
          returnsOrInvalid("searchEither", () => RecordPage.searchEither(g, page, n), false)
        }
      }, runs)

    it.prop("findSlot returns for any Uint8Arrays and any record count",
      [fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 24 }), anyNumber],
      ([page, name, count]) => {
        const slot = RecordPage.findSlot(page, name, count)
        assert.isTrue(Number.isInteger(slot) && slot >= -1)
      }, runs)
  })

  describe("ChapterIndex", () => {
    const records = chapterRecords(geometry, 0)
    const page = ChapterIndex.pack(geometry, NONCE, 0, records)[0]!
    it.prop("pack, packChapter, deltaList and decodePage throw only InvalidArgument; packEither never throws",
      [badBigint, badNumber, fc.oneof(badBytes, fc.constant(records)), badNumber, fc.oneof(badBytes, fc.constant(page))],
      ([nonce, chapter, recs, indexed, bytes]) => {
        const [n, v, r, i, b] = [as<bigint>(nonce), as<number>(chapter), as<Uint8Array>(recs), as<number>(indexed), as<Uint8Array>(bytes)]
        returnsOrInvalid("pack", () => ChapterIndex.pack(geometry, n, v, r), true)
        returnsOrInvalid("packEither", () => ChapterIndex.packEither(geometry, n, v, r), false)
        returnsOrInvalid("packChapter", () => ChapterIndex.packChapter(geometry, n, v, r, i), true)
        returnsOrInvalid("validatePackInput", () => ChapterIndex.validatePackInput(geometry, n, v, r, i), false)
        returnsOrInvalid("deltaList", () => ChapterIndex.deltaList(geometry, b), true)
        returnsOrInvalid("decodePage", () => ChapterIndex.decodePage(geometry, n, b), true)
        // With a good nonce, decodePage never throws at all.
        returnsOrInvalid("decodePage", () => ChapterIndex.decodePage(geometry, NONCE, b), false)
      }, { fastCheck: { numRuns: 60 } })
  })

  describe("ChapterBoundaries", () => {
    // Probes are typed (number | undefined); what they answer may be anything of that type.
    const answers = fc.array(fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 40 }), fc.double()), {
      minLength: 7,
      maxLength: 7
    })
    it.effect.prop("findLimits, findEnd and find fail only with typed errors", [anyGeometry, badNumber, answers, fc.boolean()],
      ([g, limit, chapters, direct]) => {
        const probe = (chapter: number) => {
          const answer = chapters[chapter % chapters.length]
          return direct ? answer : Effect.succeed(answer)
        }
        return Effect.gen(function*() {
          yield* noDefect("findLimits", () => ChapterBoundaries.findLimits(g, as(limit), probe))
          yield* noDefect("findEnd", () => ChapterBoundaries.findEnd(g, probe))
          yield* noDefect("find", () => ChapterBoundaries.find(g, probe))
        })
      }, runs)
  })

  describe("BlockDevice", () => {
    // Sizes that are invalid, or small enough to allocate at once.
    const memoryInit = fc.oneof(
      anyValue,
      fc.record({ size: fc.oneof(badNumber.filter((n) => !(typeof n === "number" && n > 1 << 20)), fc.nat(4096)) }),
      fc.record({ bytes: badBytes })
    )
    it.effect.prop("layerMemory fails only with InvalidArgument", [memoryInit], ([init]) =>
      noDefect("layerMemory", () => Effect.provide(BlockDevice.BlockDevice, BlockDevice.layerMemory(as(init)))), runs)

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uds-badinput-"))
    const fileOptions = fc.oneof(
      anyValue,
      fc.record({
        create: fc.boolean(),
        size: fc.oneof(badNumber.filter((n) => !(typeof n === "number" && n > 1 << 20)), fc.nat(4096)),
        offset: fc.oneof(badNumber, fc.nat(64)),
        readOnly: fc.boolean(),
        syncReads: fc.boolean(),
        syncWrites: fc.boolean()
      }, { requiredKeys: [] })
    )
    let files = 0
    it.effect.prop("layerFile fails only with typed errors", [fc.oneof(anyValue, fc.constant("file")), fileOptions], ([file, options]) =>
      // A string path is always a fresh name inside the temp directory.
      noDefect("layerFile", () =>
        Effect.scoped(Effect.provide(
          BlockDevice.BlockDevice,
          BlockDevice.layerFile(typeof file === "string" ? path.join(dir, `${file}-${files++}`) : as(file), as(options))
        ))), { fastCheck: { numRuns: 100 } })

    const devices: ReadonlyArray<readonly [string, Layer.Layer<BlockDevice.BlockDevice, unknown>]> = [
      ["memory", BlockDevice.layerMemory({ size: 512 })],
      ["file", BlockDevice.layerFile(path.join(dir, "device"), { create: true, size: 512 })],
      ["file with sync I/O", BlockDevice.layerFile(path.join(dir, "sync"), { create: true, size: 512, syncReads: true, syncWrites: true })],
      ["faulty", BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ size: 512 })))],
      ["crashable", BlockDevice.layerCrashable.pipe(Layer.provide(BlockDevice.layerMemory({ size: 512 })))],
      ["a user's device under the wrappers", BlockDevice.layerCrashable.pipe(
        Layer.provide(BlockDevice.layerFaulty),
        Layer.provide(Layer.succeed(BlockDevice.BlockDevice, {
          size: 512,
          read: (offset: number, length: number) => Effect.succeed(new Uint8Array(512).slice(offset, offset + length)),
          write: () => Effect.void,
          flush: Effect.void
        }))
      )]
    ]
    for (const [name, layer] of devices) {
      it.scoped.prop(`a ${name} device's read, readInto and write fail only with typed errors`, [badNumber, badNumber, badBytes],
        ([offset, length, bytes]) =>
          Effect.gen(function*() {
            const device = Context.get(yield* Layer.build(layer), BlockDevice.BlockDevice)
            const [o, l, b] = [as<number>(offset), as<number>(length), as<Uint8Array>(bytes)]
            yield* noDefect("read", () => device.read(o, l))
            yield* noDefect("write", () => device.write(o, b))
            yield* noDefect("BlockDevice.readInto", () => BlockDevice.readInto(device, o, b))
            if (device.readInto !== undefined) yield* noDefect("readInto", () => device.readInto!(o, b))
          }), { fastCheck: { numRuns: 40 } })
    }

    it.scoped.prop("crash() of a crashable device fails only with InvalidArgument", [badOptions(["keep", "tornBytes"])], ([options]) =>
      Effect.gen(function*() {
        const context = yield* Layer.build(
          BlockDevice.layerCrashable.pipe(Layer.provideMerge(BlockDevice.layerMemory({ size: 64 })))
        )
        yield* Context.get(context, BlockDevice.BlockDevice).write(0, new Uint8Array(8).fill(1))
        yield* noDefect("crash", () => Context.get(context, BlockDevice.CrashControl).crash(as(options)))
      }), { fastCheck: { numRuns: 60 } })
  })

  describe("IndexPageMap, PageCache and IndexLayout", () => {
    it.effect.prop("decode, load, PageCache.make and slotCount fail only with typed errors", [anyGeometry, badBytes, badNumber],
      ([g, bytes, cacheChapters]) =>
        Effect.gen(function*() {
          returnsOrInvalid("IndexPageMap.decode", () => IndexPageMap.decode(g, as(bytes)), false)
          const map = yield* IndexPageMap.make(g)
          yield* noDefect("IndexPageMap.load", () => map.load(as(bytes)))
          returnsOrInvalid("PageCache.slotCount", () => PageCache.slotCount(g, as(cacheChapters)), false)
          yield* noDefect("PageCache.make", () => PageCache.make({ geometry: g, cacheChapters: as(cacheChapters) }))
        }), runs)

    it.effect.prop("IndexLayout.parse, decodeRegionTable and open never throw", [badBytes], ([bytes]) =>
      Effect.gen(function*() {
        returnsOrInvalid("parse", () => IndexLayout.parse(as(bytes)), false)
        returnsOrInvalid("decodeRegionTable", () => IndexLayout.decodeRegionTable(as(bytes)), false)
        yield* noDefect("open", () => IndexLayout.open(() => Effect.succeed(as<Uint8Array>(bytes))))
      }), runs)
  })

  describe("Volume", () => {
    it.effect.prop("layer fails only with typed errors for any options", [
      fc.record({ nonce: badBigint, cacheChapters: badNumber, readThreads: badNumber }, { requiredKeys: [] }),
      fc.oneof(fc.constant(geometry.bytesPerVolume), fc.nat(geometry.bytesPerVolume))
    ], ([options, size]) =>
      noDefect("Volume.layer", () =>
        Effect.scoped(Layer.build(
          Volume.layer({ geometry, ...as<{ nonce: bigint }>(options) }).pipe(Layer.provide(BlockDevice.layerMemory({ size })))
        ))), { fastCheck: { numRuns: 60 } })

    it.scoped("readChapterIndex of a chapter that cannot exist is InvalidArgument (not CorruptData)", () =>
      Effect.gen(function*() {
        const volume = Context.get(
          yield* Layer.build(Volume.layer({ geometry, nonce: NONCE }).pipe(Layer.provide(BlockDevice.layerMemory({ size: geometry.bytesPerVolume })))),
          Volume.Volume
        )
        for (const chapter of [-1, 1.5, Number.NaN, 2 ** 53]) {
          const error = yield* Effect.flip(volume.readChapterIndex(chapter))
          assert.strictEqual(error._tag, "InvalidArgument", String(chapter))
          assert.include(error.message, "non-negative integer")
        }
      }))

    it.scoped.prop("every method fails only with typed errors, and the volume still answers afterwards",
      [badNumber, badNumber, badBytes, fc.oneof(badBytes, fc.constant(chapterRecords(geometry, 0)))],
      ([a, b, name, records]) =>
        Effect.gen(function*() {
          const volume = Context.get(
            yield* Layer.build(Volume.layer({ geometry, nonce: NONCE, cacheChapters: 1 }).pipe(
              Layer.provide(BlockDevice.layerMemory({ size: geometry.bytesPerVolume }))
            )),
            Volume.Volume
          )
          yield* volume.writeChapter(0, chapterRecords(geometry, 0))
          const [x, y, n, r] = [as<number>(a), as<number>(b), as<Uint8Array>(name), as<Uint8Array>(records)]
          yield* noDefect("writeChapter", () => volume.writeChapter(x, r))
          yield* noDefect("lookup", () => volume.lookup(n, x))
          yield* noDefect("lookupCached", () => volume.lookupCached(n, x))
          yield* noDefect("lookupForRebuild", () => volume.lookupForRebuild(n, x))
          yield* noDefect("getPage", () => volume.getPage(x, y))
          yield* noDefect("readChapterIndex", () => volume.readChapterIndex(x))
          yield* noDefect("forgetChapter", () => volume.forgetChapter(x))
          yield* noDefect("prefetchChapter", () => volume.prefetchChapter(x))
          yield* noDefect("findChapterBoundaries", () => volume.findChapterBoundaries)
          // Nothing above broke the volume: chapter 0's record gives its data, or none if a
          // good write above replaced the chapter, never other data.
          const { data, name: stored } = recordAt(chapterRecords(geometry, 0), 5)
          const found = yield* volume.lookup(stored, 0)
          assert.isTrue(Option.isNone(found) || Buffer.from(found.value).equals(Buffer.from(data)))
          if (Option.isNone(found)) assert.strictEqual(Geometry.mapToPhysicalChapter(geometry, x), 0, "only a rewrite of chapter 0 loses it")
        }), { fastCheck: { numRuns: 60 } })
  })
})
