// Every public function of @effect-uds/index fed values of the wrong type and
// range: nothing may escape as a defect, and the index answers correctly after.
//
// The contract checked here (see each module's doc comment):
// - an Effect (or Layer) fails with a typed error of IndexError.ts
//   (InvalidArgument for bad input), never dies;
// - a pure function returning `Either` or a `Status` never throws; a bad
//   input is its InvalidArgument;
// - a pure function whose signature cannot carry an error
//   (IndexConfig.indexSize, VolumeIndex.save, VolumeIndex.window) throws only
//   the InvalidArgument.
// Values typed as a `Geometry` come from `Geometry.make`, volume indexes from
// `VolumeIndex.make` and record handles from `VolumeIndex.makeRecord` (opaque
// types that cannot be satisfied otherwise); every other parameter gets
// anything, the objects a template string cannot print included.
import { assert, describe, it } from "@effect/vitest"
import { Index, IndexConfig, IndexError, VolumeIndex } from "@effect-uds/index"
import { BlockDevice, Geometry } from "@effect-uds/volume"
import { Cause, Effect, Either, Exit, FastCheck as fc, Layer, Option } from "effect"
import { dataOf, deviceBytes, hex, nameAt, seedNames, tinyConfig, withIndex } from "../support/wholeIndex.js"

// Values of every kind, and the edges of the numeric ranges the API takes.
const edgeValue = fc.constantFrom<unknown>(
  null, undefined, Number.NaN, Infinity, -Infinity, -1, -0, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64,
  "", "16", "x", "tiny", "create", "x".repeat(32), [], [1, 2], {}, 1n, -1n, 2n ** 64n, true, false,
  new Uint8Array(0), new Uint8Array(15), new Uint8Array(17), new Uint8Array(32), new Uint16Array(16), new Int8Array(16),
  Array.from({ length: 16 }, () => 1), Array.from({ length: 32 }, () => 1), new Uint16Array(32), "0123456789abcdef",
  () => 1,
  // Objects a template string cannot turn into text: a message must still describe them.
  { toString: 0 }, Object.create(null), Symbol("bad")
)
// The edges most often: they are where checks go missing.
const anyValue = fc.oneof({ weight: 2, arbitrary: edgeValue }, { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) })
const badNumber = fc.oneof(
  { weight: 3, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: 20 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) }
)
const badBytes = fc.oneof(
  { weight: 3, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(16), new Uint8Array(32)) }
)
const badBigint = fc.oneof(anyValue, fc.bigInt(), fc.constantFrom(0n, 1n, 2n ** 64n - 1n))
const anyName = fc.uint8Array({ minLength: 16, maxLength: 16 })

const as = <T>(value: unknown): T => value as T

const INDEX_ERRORS = ["InvalidArgument", "NoIndex", "NeedsRebuild", "StorageTooSmall", "Disabled", "CorruptData", "IoError"]

/** Asserts that an error is the package's InvalidArgument with a message a person can read. */
const assertInvalid = (error: unknown, what: string): void => {
  assert.instanceOf(error, IndexError.InvalidArgument, `${what}: ${String(error)}`)
  const message = (error as IndexError.InvalidArgument).message
  assert.isTrue(typeof message === "string" && message.length > 10, `${what}: message ${message}`)
  assert.notInclude(message, "[object", `${what}: ${message}`)
}

/** Asserts that an exit is a success or a typed failure of IndexError.ts: no defect, no interruption. */
const assertTyped = <A, E>(exit: Exit.Exit<A, E>, what: string, only?: ReadonlyArray<string>): void => {
  if (Exit.isSuccess(exit)) return
  assert.deepStrictEqual([...Cause.defects(exit.cause)], [], `${what}: a defect escaped: ${Cause.pretty(exit.cause)}`)
  assert.isFalse(Cause.isInterrupted(exit.cause), `${what}: interrupted`)
  const failures = [...Cause.failures(exit.cause)]
  assert.isAbove(failures.length, 0, `${what}: ${Cause.pretty(exit.cause)}`)
  for (const error of failures) {
    const tag = (error as { readonly _tag?: unknown })._tag
    assert.include(only ?? INDEX_ERRORS, tag, `${what}: untyped failure ${String(error)}`)
    if (tag === "InvalidArgument") assertInvalid(error, what)
  }
}

/** Runs `effect` (built inside the check, so a synchronous throw counts too) and asserts no defect escaped. */
const noDefect = <A, E, R>(
  what: string,
  effect: () => Effect.Effect<A, E, R>,
  only?: ReadonlyArray<string>
): Effect.Effect<Exit.Exit<A, E>, never, R> =>
  Effect.tap(Effect.exit(Effect.suspend(effect)), (exit) => assertTyped(exit, what, only))

/** Calls `f`, which may return anything or throw the package's InvalidArgument (`allowThrow`), nothing else. */
const returnsOrInvalid = <A>(what: string, f: () => A, allowThrow: boolean): A | undefined => {
  try {
    return f()
  } catch (error) {
    assert.isTrue(allowThrow, `${what} threw ${String(error)}`)
    assertInvalid(error, what)
    return undefined
  }
}

/** Calls `f`, which must return an Either whose Left is a typed error; returns the Right. */
const eitherTyped = <A, E>(what: string, f: () => Either.Either<A, E>, tags: ReadonlyArray<string>): A | undefined => {
  const result = returnsOrInvalid(what, f, false)!
  assert.isTrue(Either.isEither(result), `${what} returned ${String(result)}`)
  if (Either.isRight(result)) return result.right
  const tag = (result.left as { readonly _tag?: unknown })._tag
  assert.include(tags, tag, `${what}: ${String(result.left)}`)
  if (tag === "InvalidArgument") assertInvalid(result.left, what)
  return undefined
}

const STATUSES: ReadonlyArray<number> = Object.values(VolumeIndex.Status)

describe("bad input to every public function of @effect-uds/index: typed errors, no defects", () => {
  describe("IndexConfig", () => {
    const keys = ["memorySize", "sparse", "reduced", "zones", "readThreads", "nonce", "offset"]
    const field = fc.oneof(badNumber, badBigint, fc.boolean(), fc.constantFrom("tiny", 0.25, 1, 4096, 0n))
    const options = fc.oneof(
      anyValue,
      fc.dictionary(fc.constantFrom(...keys), field, { maxKeys: keys.length }),
      fc.record({ memorySize: fc.constantFrom<unknown>("tiny", 1), zones: badNumber }, { requiredKeys: [] })
    )
    // make is synchronous: run it so, without a test runtime per run.
    it.prop("make fails only with InvalidArgument", [options], ([o]) => {
      Effect.runSync(noDefect("IndexConfig.make", () => IndexConfig.make(as(o)), ["InvalidArgument"]))
    }, { fastCheck: { numRuns: 150 } })

    it.effect("make's messages name the field, the value and what is allowed", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [unknown, ReadonlyArray<string>]> = [
          [null, ["options", "null"]],
          [Symbol("x"), ["options", "symbol"]],
          [{ memorySize: { toString: 0 } }, ["memorySize", "object", "tiny"]],
          [{ memorySize: "tiny", zones: Symbol("x") }, ["zones", "symbol", "1 to 16"]],
          [{ memorySize: "tiny", nonce: 5 }, ["nonce", "bigint", "5"]]
        ]
        for (const [o, words] of cases) {
          const error = yield* Effect.flip(Effect.suspend(() => IndexConfig.make(as(o))))
          assertInvalid(error, String(words))
          for (const word of words) assert.include(error.message, word)
        }
      }))

    const made = tinyConfig()
    const configs = fc.oneof(
      anyValue,
      fc.constant(made),
      fc.record({ key: fc.constantFrom("geometry", "zones", "offset", "memorySize"), value: anyValue })
        .map(({ key, value }) => ({ ...made, [key]: value }))
    )
    it.prop("indexSize returns a size or throws InvalidArgument", [configs], ([config]) => {
      const size = returnsOrInvalid("indexSize", () => IndexConfig.indexSize(as(config)), true)
      if (size !== undefined) assert.isTrue(Number.isSafeInteger(size) && size > 0 && size % 4096 === 0, String(size))
    }, { fastCheck: { numRuns: 100 } })
  })

  describe("VolumeIndex", () => {
    const geometries = [
      Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 1, chaptersPerVolume: 4 })),
      Effect.runSync(Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 2, chaptersPerVolume: 6, sparseChaptersPerVolume: 3 }))
    ]
    const anyGeometry = fc.constantFrom(...geometries)
    const indexOptions = fc.oneof(
      anyValue,
      fc.record({ zoneCount: fc.oneof(badNumber, fc.integer({ min: 1, max: 3 })), meanDelta: fc.oneof(badNumber, fc.constant(4096)) }, {
        requiredKeys: []
      })
    )
    const runs = { fastCheck: { numRuns: 60 } }

    it.prop("make returns an Either for any options", [anyGeometry, indexOptions], ([g, options]) => {
      eitherTyped("make", () => VolumeIndex.make(g, as(options)), ["InvalidArgument"])
    }, { fastCheck: { numRuns: 80 } })

    it.prop("the hot operations return a Status, the others an Either or a value, and the index still answers after", [
      anyGeometry,
      badBytes,
      badNumber,
      badNumber,
      anyValue,
      fc.constantFrom<"fresh" | "other" | "own" | "found">("fresh", "other", "own", "found"),
      anyName,
      anyName
    ], ([g, name, chapter, zone, status, recordKind, known, fresh]) => {
      const index = Either.getOrThrow(VolumeIndex.make(g, { zoneCount: 2 }))
      const other = Either.getOrThrow(VolumeIndex.make(g, { zoneCount: 2 }))
      const record = VolumeIndex.makeRecord()
      // A name stored before the bad calls, in the open chapter 0.
      assert.strictEqual(VolumeIndex.get(index, known, record), VolumeIndex.Status.Ok)
      assert.include([VolumeIndex.Status.Ok, VolumeIndex.Status.Overflow], VolumeIndex.put(index, record, 0))
      const knownZone = record.zone

      const bad = VolumeIndex.makeRecord()
      if (recordKind === "other") VolumeIndex.get(other, known, bad)
      if (recordKind === "own") VolumeIndex.get(index, fresh, bad)
      // A record that found the known name: a good remove below may take it out.
      if (recordKind === "found") VolumeIndex.get(index, known, bad)
      const [n, c, z] = [as<Uint8Array>(name), as<number>(chapter), as<number>(zone)]
      const isStatus = (what: string, f: () => number) => {
        const s = returnsOrInvalid(what, f, false)
        assert.include(STATUSES, s, `${what} returned ${String(s)}`)
        if (s === VolumeIndex.Status.InvalidArgument) assertInvalid(VolumeIndex.failure(s, bad), what)
        return s
      }
      // Each change with the record as made, then again after a get of the bad name.
      for (const after of ["before a get", "after a get"]) {
        if (after === "after a get") {
          const getStatus = isStatus("get", () => VolumeIndex.get(index, n, bad))
          if (!(n instanceof Uint8Array && n.length === 16)) assert.strictEqual(getStatus, VolumeIndex.Status.InvalidArgument)
        }
        isStatus(`put ${after}`, () => VolumeIndex.put(index, bad, c))
        isStatus(`setChapter ${after}`, () => VolumeIndex.setChapter(index, bad, c))
        isStatus(`remove ${after}`, () => VolumeIndex.remove(index, bad))
      }
      const sample = returnsOrInvalid("lookupSample", () => VolumeIndex.lookupSample(index, n), false)
      assert.isTrue(Number.isSafeInteger(sample), String(sample))
      eitherTyped("zoneOf", () => VolumeIndex.zoneOf(index, n), ["InvalidArgument"])
      eitherTyped("setZoneOpenChapter", () => VolumeIndex.setZoneOpenChapter(index, z, c), ["InvalidArgument"])
      eitherTyped("setOpenChapter", () => VolumeIndex.setOpenChapter(index, c), ["InvalidArgument"])
      returnsOrInvalid("window", () => VolumeIndex.window(index, z, as(status)), true)
      returnsOrInvalid("failure", () => VolumeIndex.failure(as(status), bad), false)
      returnsOrInvalid("stats", () => VolumeIndex.stats(index), false)
      returnsOrInvalid("checkEntries", () => VolumeIndex.checkEntries(index), false)

      // The index still answers: the known name is there unless a good setOpenChapter above moved
      // the window past chapter 0, and a fresh name goes in at the open chapter and comes back.
      const check = VolumeIndex.makeRecord()
      const { high, low } = VolumeIndex.window(index, knownZone)
      assert.strictEqual(VolumeIndex.get(index, known, check), VolumeIndex.Status.Ok)
      if (low === 0 && check.found) assert.strictEqual(check.virtualChapter, 0)
      if (low === 0 && !check.found) {
        assert.isTrue(recordKind === "found" || recordKind === "own" && hex(fresh) === hex(known), "the known name was lost")
      }
      const freshZone = Either.getOrThrow(VolumeIndex.zoneOf(index, fresh))
      const open = VolumeIndex.window(index, freshZone).high
      assert.strictEqual(VolumeIndex.get(index, fresh, check), VolumeIndex.Status.Ok)
      const put = check.found ? VolumeIndex.setChapter(index, check, open) : VolumeIndex.put(index, check, open)
      assert.include([VolumeIndex.Status.Ok, VolumeIndex.Status.Overflow], put, check.problem)
      assert.strictEqual(VolumeIndex.get(index, fresh, check), VolumeIndex.Status.Ok)
      if (put === VolumeIndex.Status.Ok) assert.isTrue(check.found && check.virtualChapter === open, `${high} ${open}`)
    }, { fastCheck: { numRuns: 200 } })

    it.prop("the typed messages say what was wrong", [anyGeometry], ([g]) => {
      const index = Either.getOrThrow(VolumeIndex.make(g))
      const record = VolumeIndex.makeRecord()
      for (const [name, word] of [[null, "null"], [Symbol("x"), "symbol"], [new Uint8Array(3), "3 bytes"], [{ toString: 0 }, "object"]] as const) {
        assert.strictEqual(VolumeIndex.get(index, as(name), record), VolumeIndex.Status.InvalidArgument)
        assert.include(record.problem, word)
        assert.include(record.problem, "16 bytes")
        const zone = Either.flip(VolumeIndex.zoneOf(index, as(name)))
        assert.isTrue(Either.isRight(zone))
        assert.include(Either.getOrThrow(zone).message, word)
      }
    }, { fastCheck: { numRuns: 2 } })

    // Saved streams of a small index holding a few names, dense and sparse, one and two zones.
    const savedNames = seedNames(40, 7)
    const saved = geometries.flatMap((g) =>
      [1, 2].map((zoneCount) => {
        const index = Either.getOrThrow(VolumeIndex.make(g, { zoneCount }))
        const record = VolumeIndex.makeRecord()
        for (let k = 0; k < 40; k++) {
          VolumeIndex.get(index, nameAt(savedNames, k), record)
          VolumeIndex.put(index, record, 0)
        }
        return { g, zoneCount, streams: VolumeIndex.save(index, 99n) }
      })
    )
    const anySaved = fc.constantFrom(...saved)

    it.prop("save throws only InvalidArgument for any nonce", [anyGeometry, badBigint], ([g, nonce]) => {
      const index = Either.getOrThrow(VolumeIndex.make(g))
      const streams = returnsOrInvalid("save", () => VolumeIndex.save(index, as(nonce)), true)
      if (streams !== undefined) assert.isTrue(streams.every((s) => s instanceof Uint8Array))
    }, runs)

    it.prop("load returns an Either for any streams and options", [
      anyGeometry,
      fc.oneof(anyValue, fc.array(badBytes, { maxLength: 3 })),
      fc.oneof(indexOptions, fc.record({ nonce: badBigint, zoneCount: fc.constant(1) }, { requiredKeys: [] }))
    ], ([g, streams, options]) => {
      eitherTyped("load", () => VolumeIndex.load(g, as(streams), as(options)), ["InvalidArgument", "CorruptData"])
    }, { fastCheck: { numRuns: 100 } })

    it("undamaged saved streams load into any zone count and find every name", () => {
      const record = VolumeIndex.makeRecord()
      for (const { g, streams } of saved) {
        for (const zoneCount of [1, 2, 3]) {
          const index = eitherTyped("load", () => VolumeIndex.load(g, streams, { zoneCount, nonce: 99n }), [])!
          for (let k = 0; k < 40; k++) {
            assert.strictEqual(VolumeIndex.get(index, nameAt(savedNames, k), record), VolumeIndex.Status.Ok)
            assert.isTrue(record.found && record.virtualChapter === 0, `name ${k}`)
          }
        }
      }
    })

    // A saved stream cut short, given bytes it does not have, or with bytes changed.
    const damage = fc.record({
      stream: fc.nat(),
      cut: fc.option(fc.nat(), { nil: undefined }),
      // Often in the headers (magic, nonce, chapters, list counts and sizes), else anywhere.
      flips: fc.array(fc.record({ at: fc.oneof(fc.nat(80), fc.nat()), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
      extra: fc.uint8Array({ maxLength: 8 })
    })
    it.prop("load of truncated or corrupted saved streams returns an Either, and what loads answers gets", [
      anySaved,
      damage,
      fc.oneof(fc.constant(99n), fc.constant(0n), badBigint),
      fc.integer({ min: 1, max: 3 })
    ], ([{ g, streams }, { cut, extra, flips, stream }, nonce, loadZones]) => {
      const damaged = streams.map((s) => s.slice())
      const i = stream % damaged.length
      let bytes = damaged[i]!
      for (const { at, value } of flips) if (bytes.length > 0) bytes[at % bytes.length] = value
      if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1))
      if (cut === undefined && extra.length > 0) bytes = Uint8Array.from([...bytes, ...extra])
      damaged[i] = bytes
      const loaded = eitherTyped(
        "load",
        () => VolumeIndex.load(g, damaged, { zoneCount: loadZones, nonce: as(nonce) }),
        ["InvalidArgument", "CorruptData"]
      )
      // Whatever loaded answers gets with a status, never a throw.
      if (loaded === undefined) return
      const record = VolumeIndex.makeRecord()
      for (let k = 0; k < 40; k += 3) {
        assert.include(STATUSES, returnsOrInvalid("get", () => VolumeIndex.get(loaded, nameAt(savedNames, k), record), false))
      }
    }, { fastCheck: { numRuns: 80 } })
  })

  describe("Index", () => {
    const config = tinyConfig()
    // A device of an index that was never saved: opening it with "load" rebuilds it.
    let unsaved = new Uint8Array(0)
    const names = seedNames(20, 3)
    const unsavedReady = Effect.suspend(() =>
      unsaved.length > 0 ? Effect.void : Effect.gen(function*() {
        const bytes = deviceBytes(config)
        yield* withIndex(config, bytes, { open: "create" }, (index) =>
          Effect.gen(function*() {
            for (let k = 0; k < 20; k++) yield* index.post(nameAt(names, k), dataOf(k))
            yield* index.flush
            unsaved = bytes.slice()
          }))
      })
    )

    // Opens with make or layer on a copy of the never-saved device.
    const open = (c: unknown, options: unknown, viaLayer: boolean) =>
      Effect.gen(function*() {
        yield* unsavedReady
        const device = BlockDevice.layerMemory({ bytes: unsaved.slice() })
        yield* noDefect("Index.make", () =>
          viaLayer
            ? Effect.asVoid(Effect.scoped(Layer.build(Index.layer(as(c), as(options)).pipe(Layer.provide(device)))))
            : Effect.asVoid(Effect.scoped(Index.make(as(c), as(options))).pipe(Effect.provide(device))))
      })

    const configs = fc.oneof(
      anyValue,
      fc.record({
        key: fc.constantFrom("memorySize", "zones", "readThreads", "nonce", "offset", "geometry", "sparse", "reduced"),
        value: fc.oneof(anyValue, badNumber)
      }).map(({ key, value }) => ({ ...config, [key]: value }))
    )
    it.effect.prop("make and layer fail only with typed errors for any configuration", [configs, fc.boolean()],
      ([c, viaLayer]) => open(c, { open: "create" }, viaLayer), { fastCheck: { numRuns: 30 } })

    // Mostly a good mode with the option it reads given a bad value: nonceInfo for a create, the
    // progress callback for a load (the device holds no save, so a load rebuilds and calls it).
    const progress = fc.oneof({ weight: 3, arbitrary: anyValue }, { weight: 1, arbitrary: fc.constant(() => {}) })
    const openOptions = fc.oneof(
      { weight: 1, arbitrary: anyValue },
      { weight: 1, arbitrary: fc.record({ open: anyValue, nonceInfo: badBytes }, { requiredKeys: [] }) },
      { weight: 3, arbitrary: fc.record({ open: fc.constant("create"), nonceInfo: badBytes, onRebuildProgress: progress }) },
      { weight: 3, arbitrary: fc.record({ open: fc.constantFrom("load", "loadNoRebuild"), onRebuildProgress: progress }) }
    )
    it.effect.prop("make and layer fail only with typed errors for any options", [openOptions, fc.boolean()],
      ([options, viaLayer]) => open(config, options, viaLayer), { fastCheck: { numRuns: 30 } })

    it.effect("make's messages say which option was wrong", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [unknown, unknown, ReadonlyArray<string>]> = [
          [null, { open: "create" }, ["config", "null"]],
          [config, null, ["options", "null"]],
          [config, { open: Symbol("x") }, ["open", "symbol"]],
          [config, { open: "create", nonceInfo: "x".repeat(32) }, ["nonceInfo", "32 bytes", `"xxxx`]],
          [config, { open: "create", nonceInfo: new Uint8Array(31) }, ["nonceInfo", "32 bytes", "31"]],
          [config, { open: "load", onRebuildProgress: 5 }, ["onRebuildProgress", "function", "5"]]
        ]
        for (const [c, options, words] of cases) {
          const error = yield* Effect.flip(
            Effect.scoped(Effect.suspend(() => Index.make(as(c), as(options)))).pipe(
              Effect.provide(BlockDevice.layerMemory({ size: deviceBytes(config).length }))
            )
          )
          assertInvalid(error, String(words))
          for (const word of words) assert.include(error.message, word)
        }
      }))

    const requestArgs = fc.array(fc.record({
      op: fc.constantFrom<"post" | "update" | "query" | "queryNoUpdate" | "delete">("post", "update", "query", "queryNoUpdate", "delete"),
      name: fc.oneof(badBytes, anyName),
      data: fc.oneof(badBytes, anyName)
    }), { minLength: 1, maxLength: 6 })

    it.effect("requests with bad names or data fail with InvalidArgument, and the index still answers", () =>
      withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          const before = nameAt(names, 0)
          yield* index.post(before, dataOf(1))
          let fresh = 100
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(requestArgs, (calls) =>
                Effect.runPromise(Effect.gen(function*() {
                  for (const { data, name, op } of calls) {
                    const [n, d] = [as<Uint8Array>(name), as<Uint8Array>(data)]
                    const good = n instanceof Uint8Array && n.length === 16 &&
                      (op !== "post" && op !== "update" || d instanceof Uint8Array && d.length === 16)
                    const exit = yield* noDefect(op, () =>
                      op === "post" || op === "update" ? index[op](n, d) : index[op](n), ["InvalidArgument"])
                    assert.strictEqual(Exit.isSuccess(exit), good, `${op} ${String(Exit.isFailure(exit) && Cause.pretty(exit.cause))}`)
                  }
                  // After bad calls: a fresh name goes in and comes back; the first name keeps its data.
                  const name = dataOf(fresh++)
                  name[15] = 0x5a
                  assert.isFalse((yield* index.queryNoUpdate(name)).found)
                  yield* index.post(name, dataOf(7))
                  const back = yield* index.query(name)
                  assert.isTrue(back.found && Option.isSome(back.oldData) && hex(back.oldData.value) === hex(dataOf(7)))
                  const kept = yield* index.queryNoUpdate(before)
                  assert.isTrue(kept.found, "the first name is still there")
                }))), { numRuns: 60 }
            )
          )
          yield* index.flush
          yield* index.save
          // Only the good requests counted: at least the fresh names' post and query each run.
          const stats = yield* index.stats
          assert.isAtLeast(stats.postsNotFound, 61)
          assert.isAtLeast(stats.queriesFound, 60)
        })))

    it.effect("a request's message says what the name or data was", () =>
      withIndex(config, deviceBytes(config), { open: "create" }, (index) =>
        Effect.gen(function*() {
          const name = nameAt(names, 1)
          const cases: ReadonlyArray<readonly [Effect.Effect<unknown, IndexError.IndexError>, ReadonlyArray<string>]> = [
            [Effect.suspend(() => index.post(as(null), name)), ["name", "16 bytes", "null"]],
            [Effect.suspend(() => index.post(name, new Uint8Array(15))), ["data", "16 bytes", "15"]],
            [Effect.suspend(() => index.query(as({ toString: 0 }))), ["name", "16 bytes", "object"]],
            [Effect.suspend(() => index.delete(as(new Uint16Array(16)))), ["name", "Uint8Array"]]
          ]
          for (const [request, words] of cases) {
            const error = yield* Effect.flip(request)
            assertInvalid(error, String(words))
            for (const word of words) assert.include(error.message, word)
          }
          assert.isFalse((yield* index.post(name, dataOf(3))).found)
          assert.isTrue((yield* index.query(name)).found)
        })))
  })
})
