import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, FastCheck as fc, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { BlockDevice, VolumeError } from "@effect-uds/volume"

const SIZE = 20_000
const PREFIX = 4096

// A directory that lives as long as the scope it is made in.
const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "uds-blockdevice-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const inTempDir = <E>(f: (dir: string) => Layer.Layer<BlockDevice.BlockDevice, E>) =>
  Layer.unwrapScoped(Effect.map(tempDir, f))

const memory = Layer.provide(BlockDevice.layerMemory({ size: SIZE }))

// Every layer the shared suite runs against; each call builds a fresh device of SIZE zero bytes.
const subjects: ReadonlyArray<readonly [string, () => Layer.Layer<BlockDevice.BlockDevice, unknown>]> = [
  ["memory over a fresh buffer", () => BlockDevice.layerMemory({ size: SIZE })],
  ["memory over given bytes", () => BlockDevice.layerMemory({ bytes: new Uint8Array(SIZE) })],
  ["file created in a temp dir", () =>
    inTempDir((dir) => BlockDevice.layerFile(path.join(dir, "volume"), { create: true, size: SIZE }))],
  ["file at a nonzero offset", () =>
    inTempDir((dir) => {
      const file = path.join(dir, "volume")
      fs.writeFileSync(file, new Uint8Array(PREFIX).fill(0xa5))
      return BlockDevice.layerFile(file, { create: true, size: SIZE, offset: PREFIX })
    })],
  ["file with synchronous reads and writes", () =>
    inTempDir((dir) =>
      BlockDevice.layerFile(path.join(dir, "volume"), { create: true, size: SIZE, syncReads: true, syncWrites: true })
    )],
  ["faulty wrapper with no fault armed", () => BlockDevice.layerFaulty.pipe(memory)],
  ["crashable wrapper with nothing flushed", () => BlockDevice.layerCrashable.pipe(memory)],
  ["crashable over faulty over a file", () =>
    BlockDevice.layerCrashable.pipe(
      Layer.provide(BlockDevice.layerFaulty),
      Layer.provide(inTempDir((dir) => BlockDevice.layerFile(path.join(dir, "volume"), { create: true, size: SIZE })))
    )]
]

const pattern = (length: number, seed: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7 + (i >> 8)) & 0xff
  return bytes
}

const writesArbitrary = fc.array(
  fc.record({ offset: fc.nat(SIZE), data: fc.uint8Array({ minLength: 0, maxLength: 3000 }) }),
  { maxLength: 12 }
)

for (const [name, makeLayer] of subjects) {
  describe(`BlockDevice: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, BlockDevice.BlockDevice>) =>
      Effect.provide(effect, makeLayer())

    it.effect("reports its size in bytes", () =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        assert.strictEqual(device.size, SIZE)
      })))

    it.effect("reads zeros everywhere when fresh", () =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const bytes = yield* device.read(0, SIZE)
        assert.strictEqual(bytes.length, SIZE)
        assert.isTrue(bytes.every((b) => b === 0))
      })))

    it.effect.prop("reads back writes at any offsets and lengths, later writes winning", [writesArbitrary], ([writes]) =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const model = new Uint8Array(SIZE)
        for (const { data, offset: wanted } of writes) {
          const offset = Math.min(wanted, SIZE - data.length)
          yield* device.write(offset, data)
          model.set(data, offset)
        }
        assert.deepStrictEqual(yield* device.read(0, SIZE), model)
        for (const { data, offset: wanted } of writes) {
          const offset = Math.min(wanted, SIZE - data.length)
          assert.deepStrictEqual(yield* device.read(offset, data.length), model.subarray(offset, offset + data.length))
          const target = new Uint8Array(data.length + 1).fill(0xee)
          const start = Math.max(0, offset - 1)
          const into = target.subarray(0, Math.min(target.length, SIZE - start))
          yield* BlockDevice.readInto(device, start, into)
          assert.deepStrictEqual(into, model.subarray(start, start + into.length))
        }
      })), { fastCheck: { numRuns: 15 } })

    it.effect("lands every write and read of many in flight at once on disjoint ranges", () =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const chunk = 600
        const first = Array.from({ length: 16 }, (_, i) => i)
        const second = Array.from({ length: 16 }, (_, i) => i + 16)
        yield* Effect.all(first.map((i) => device.write(i * chunk, pattern(chunk, i))), { concurrency: "unbounded" })
        // Reads of the first half race writes of the second half.
        const results = yield* Effect.all(
          [
            ...first.map((i) => device.read(i * chunk, chunk)),
            ...second.map((i) => Effect.as(device.write(i * chunk, pattern(chunk, i)), undefined))
          ],
          { concurrency: "unbounded" }
        )
        first.forEach((i) => assert.deepStrictEqual(results[i], pattern(chunk, i)))
        yield* device.flush
        const all = yield* Effect.all([...first, ...second].map((i) => device.read(i * chunk, chunk)), {
          concurrency: "unbounded"
        })
        all.forEach((bytes, i) => assert.deepStrictEqual(bytes, pattern(chunk, i)))
      })))

    it.effect("refuses negative, fractional and out-of-range accesses with InvalidArgument", () =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const bad = [
          device.read(-1, 1),
          device.read(0, -1),
          device.read(1.5, 1),
          device.read(0, 0.5),
          device.read(SIZE, 1),
          device.read(0, SIZE + 1),
          device.read(Number.NaN, 1),
          device.write(-1, new Uint8Array(1)),
          device.write(0.25, new Uint8Array(1)),
          device.write(SIZE - 1, new Uint8Array(2)),
          BlockDevice.readInto(device, SIZE - 2, new Uint8Array(3))
        ]
        for (const effect of bad) {
          const error = yield* Effect.flip(effect)
          assert.strictEqual(error._tag, "InvalidArgument")
          assert.match(error.message, /out of range/)
        }
        // The edges themselves are fine.
        assert.strictEqual((yield* device.read(SIZE, 0)).length, 0)
        yield* device.write(SIZE - 2, new Uint8Array([1, 2]))
        assert.deepStrictEqual(yield* device.read(SIZE - 2, 2), new Uint8Array([1, 2]))
      })))

    it.effect("refuses data or a read target that is not a Uint8Array with InvalidArgument, not a crash", () =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        for (const notBytes of [null, undefined, "abc", [1, 2, 3], 7]) {
          const bytes = notBytes as unknown as Uint8Array
          const attempts = [device.write(0, bytes), BlockDevice.readInto(device, 0, bytes)]
          if (device.readInto !== undefined) attempts.push(device.readInto(0, bytes))
          for (const attempt of attempts) {
            const error = yield* Effect.flip(attempt)
            assert.strictEqual(error._tag, "InvalidArgument")
            assert.include(error.message, "needs a Uint8Array")
          }
        }
      })))

    it.effect("flushes without error", () =>
      run(Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        yield* device.write(100, pattern(50, 1))
        yield* device.flush
        assert.deepStrictEqual(yield* device.read(100, 50), pattern(50, 1))
      })))
  })
}

describe("BlockDevice.layerMemory", () => {
  it.effect("shares the given bytes instead of copying them", () =>
    Effect.gen(function*() {
      const bytes = pattern(1000, 3)
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        assert.deepStrictEqual(yield* device.read(0, 1000), pattern(1000, 3))
        yield* device.write(10, new Uint8Array([9, 9, 9]))
        bytes[500] = 77
        assert.strictEqual((yield* device.read(500, 1))[0], 77)
      }).pipe(Effect.provide(BlockDevice.layerMemory({ bytes })))
      assert.deepStrictEqual(bytes.subarray(10, 13), new Uint8Array([9, 9, 9]))
    }))

  it.effect("returns reads the caller may modify without touching the device", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const first = yield* device.read(0, 10)
      first.fill(0xff)
      assert.isTrue((yield* device.read(0, 10)).every((b) => b === 0))
    }).pipe(Effect.provide(BlockDevice.layerMemory({ size: 10 }))))

  it.effect("builds a fresh zeroed buffer each time the layer is built", () =>
    Effect.gen(function*() {
      const layer = BlockDevice.layerMemory({ size: 8 })
      yield* Effect.flatMap(BlockDevice.BlockDevice, (d) => d.write(0, new Uint8Array(8).fill(1))).pipe(
        Effect.provide(layer)
      )
      const again = yield* Effect.flatMap(BlockDevice.BlockDevice, (d) => d.read(0, 8)).pipe(Effect.provide(layer))
      assert.isTrue(again.every((b) => b === 0))
    }))

  const badInits: ReadonlyArray<readonly [string, unknown, string]> = [
    ["a negative size", { size: -1 }, "got -1"],
    ["a fractional size", { size: 1.5 }, "got 1.5"],
    ["a size above the largest Uint8Array", { size: 2 ** 40 }, `from 0 to ${BlockDevice.MAX_MEMORY_SIZE} bytes, got ${2 ** 40}`],
    ["NaN", { size: Number.NaN }, "got NaN"],
    ["a size given as a string", { size: "4096" }, 'got "4096"'],
    ["bytes that are not a Uint8Array", { bytes: [1, 2, 3] }, "bytes must be a Uint8Array"],
    ["null", null, "takes { size } or { bytes }, got null"]
  ]
  for (const [what, init, mentions] of badInits) {
    it.effect(`fails to build with InvalidArgument for ${what}`, () =>
      Effect.gen(function*() {
        const layer = BlockDevice.layerMemory(init as { size: number })
        const error = yield* Effect.flip(Effect.provide(BlockDevice.BlockDevice, layer))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.include(error.message, mentions)
      }))
  }

  it.effect("a device of only the four contract members, failing only with IoError, works under the wrappers", () =>
    Effect.gen(function*() {
      const store = new Uint8Array(64)
      const user = Layer.succeed(BlockDevice.BlockDevice, {
        size: store.length,
        read: (offset: number, length: number): Effect.Effect<Uint8Array, VolumeError.IoError> =>
          Effect.sync(() => store.slice(offset, offset + length)),
        write: (offset: number, data: Uint8Array): Effect.Effect<void, VolumeError.IoError> =>
          Effect.sync(() => store.set(data, offset)),
        flush: Effect.void
      })
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        yield* device.write(4, new Uint8Array([1, 2, 3]))
        yield* device.flush
        const target = new Uint8Array(5)
        yield* BlockDevice.readInto(device, 3, target)
        assert.deepStrictEqual(target, new Uint8Array([0, 1, 2, 3, 0]))
      }).pipe(Effect.provide(BlockDevice.layerCrashable.pipe(Layer.provide(BlockDevice.layerFaulty), Layer.provide(user))))
      assert.deepStrictEqual(store.subarray(4, 7), new Uint8Array([1, 2, 3]))
    }))
})

// The descriptors of this process open on `file` (Linux only).
const openDescriptors = (file: string): number =>
  fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file
    } catch {
      return false
    }
  }).length

const withDevice = <A, E, E2>(
  layer: Layer.Layer<BlockDevice.BlockDevice, E2>,
  f: (device: BlockDevice.Service) => Effect.Effect<A, E>
) => Effect.flatMap(BlockDevice.BlockDevice, f).pipe(Effect.provide(layer))

describe("BlockDevice.layerFile", () => {
  it.scoped.skipIf(!fs.existsSync("/proc/self/fd"))("opens the file once and closes it when the scope closes", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(BlockDevice.layerFile(file, { create: true, size: 4096 }))
        const device = Context.get(context, BlockDevice.BlockDevice)
        yield* Effect.all(Array.from({ length: 8 }, (_, i) => device.read(i * 512, 512)), { concurrency: "unbounded" })
        assert.strictEqual(openDescriptors(file), 1)
      }))
      assert.strictEqual(openDescriptors(file), 0)
    }))

  it.scoped("fails operations after its scope closed with IoError", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      const device = yield* withDevice(BlockDevice.layerFile(file, { create: true, size: 4096 }), Effect.succeed)
      const error = yield* Effect.flip(device.read(0, 10))
      assert.strictEqual(error._tag, "IoError")
      assert.match(error.message, /closed/)
    }))

  it.scoped("with synchronous reads and writes, also fails operations after its scope closed with IoError", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      const options = { create: true, size: 4096, syncReads: true, syncWrites: true }
      const device = yield* withDevice(BlockDevice.layerFile(file, options), Effect.succeed)
      for (const error of [yield* Effect.flip(device.read(0, 10)), yield* Effect.flip(device.write(0, new Uint8Array(10)))]) {
        assert.strictEqual(error._tag, "IoError")
        assert.match(error.message, /closed/)
      }
    }))

  it.scoped("with synchronous writes, a write is in the file when it returns, before any flush", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      yield* withDevice(BlockDevice.layerFile(file, { create: true, size: 8192, syncWrites: true }), (device) =>
        Effect.gen(function*() {
          yield* device.write(4000, pattern(300, 9))
          assert.deepStrictEqual(Uint8Array.from(fs.readFileSync(file).subarray(4000, 4300)), pattern(300, 9))
        }))
    }))

  it.scoped("keeps data across a close and a reopen without create", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      yield* withDevice(
        BlockDevice.layerFile(file, { create: true, size: 8192 }),
        (device) => Effect.zipRight(device.write(1000, pattern(3000, 5)), device.flush)
      )
      const { bytes, size } = yield* withDevice(
        BlockDevice.layerFile(file),
        (device) => Effect.map(device.read(1000, 3000), (bytes) => ({ bytes, size: device.size }))
      )
      assert.strictEqual(size, 8192)
      assert.deepStrictEqual(bytes, pattern(3000, 5))
    }))

  it.scoped("extends a shorter file on create and never truncates a longer one", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      fs.writeFileSync(file, pattern(1000, 7))
      const small = yield* withDevice(BlockDevice.layerFile(file, { create: true, size: 100 }), (d) => d.read(0, 100))
      assert.deepStrictEqual(small, pattern(100, 7))
      assert.strictEqual(fs.statSync(file).size, 1000)
      yield* withDevice(BlockDevice.layerFile(file, { create: true, size: 3000 }), (d) => d.read(0, 10))
      assert.strictEqual(fs.statSync(file).size, 3000)
      const contents = fs.readFileSync(file)
      assert.deepStrictEqual(new Uint8Array(contents.subarray(0, 1000)), pattern(1000, 7))
      assert.isTrue(contents.subarray(1000).every((b) => b === 0))
    }))

  it.scoped("fails with IoError(open) naming the path when the file is missing and create is not set", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "missing")
      const error = yield* Effect.flip(withDevice(BlockDevice.layerFile(file, { size: 10 }), Effect.succeed))
      assert.strictEqual(error._tag, "IoError")
      if (error._tag !== "IoError") return
      assert.strictEqual(error.operation, "open")
      assert.include(error.message, file)
      assert.include(error.message, "ENOENT")
      assert.isFalse(fs.existsSync(file))
    }))

  it.scoped("fails with IoError(open) carrying the OS code when the path is a directory", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* Effect.flip(withDevice(BlockDevice.layerFile(dir), Effect.succeed))
      assert.strictEqual(error._tag, "IoError")
      assert.include(error.message, "EISDIR")
    }))

  it.scoped("refuses bad options with InvalidArgument", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const existing = path.join(dir, "existing")
      fs.writeFileSync(existing, new Uint8Array(100))
      const cases: ReadonlyArray<readonly [string, BlockDevice.FileOptions, RegExp]> = [
        [path.join(dir, "new"), { create: true }, /needs a size/],
        [existing, { size: -1 }, /size must be/],
        [existing, { size: 1.5 }, /size must be/],
        [existing, { offset: -4 }, /offset must be/],
        [existing, { offset: 0.5, size: 10 }, /offset must be/],
        [existing, { offset: 101 }, /past the end/]
      ]
      for (const [file, options, message] of cases) {
        const error = yield* Effect.flip(withDevice(BlockDevice.layerFile(file, options), Effect.succeed))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.match(error.message, message)
      }
      assert.isFalse(fs.existsSync(path.join(dir, "new")))
    }))

  it.scoped("sizes the device as the file size minus the offset by default", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      fs.writeFileSync(file, pattern(5000, 2))
      const { bytes, size } = yield* withDevice(
        BlockDevice.layerFile(file, { offset: 1000 }),
        (device) => Effect.map(device.read(0, 4000), (bytes) => ({ bytes, size: device.size }))
      )
      assert.strictEqual(size, 4000)
      assert.deepStrictEqual(bytes, pattern(5000, 2).subarray(1000))
    }))

  it.scoped("leaves the bytes before the offset untouched", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      fs.writeFileSync(file, pattern(PREFIX, 9))
      yield* withDevice(
        BlockDevice.layerFile(file, { create: true, offset: PREFIX, size: 2000 }),
        (device) => device.write(0, new Uint8Array(2000).fill(0xff))
      )
      const contents = new Uint8Array(fs.readFileSync(file))
      assert.strictEqual(contents.length, PREFIX + 2000)
      assert.deepStrictEqual(contents.subarray(0, PREFIX), pattern(PREFIX, 9))
      assert.isTrue(contents.subarray(PREFIX).every((b) => b === 0xff))
    }))

  it.scoped("read-only: reads the file, refuses every write with IoError and leaves the file unchanged", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      fs.writeFileSync(file, pattern(6000, 3))
      fs.chmodSync(file, 0o444)
      const { bytes, error } = yield* withDevice(
        BlockDevice.layerFile(file, { readOnly: true, offset: 1000 }),
        (device) =>
          Effect.gen(function*() {
            const bytes = yield* device.read(0, 5000)
            const error = yield* Effect.flip(device.write(10, new Uint8Array(20).fill(1)))
            yield* device.flush
            return { bytes, error }
          })
      )
      assert.deepStrictEqual(bytes, pattern(6000, 3).subarray(1000))
      assert.strictEqual(error._tag, "IoError")
      if (error._tag !== "IoError") return
      assert.strictEqual(error.operation, "write")
      assert.match(error.message, /device is read-only/)
      assert.deepStrictEqual(new Uint8Array(fs.readFileSync(file)), pattern(6000, 3))
    }))

  it.scoped("read-only: refuses create with InvalidArgument and a missing file with IoError(open)", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "missing")
      const both = yield* Effect.flip(
        withDevice(BlockDevice.layerFile(file, { readOnly: true, create: true, size: 10 }), Effect.succeed)
      )
      assert.strictEqual(both._tag, "InvalidArgument")
      assert.match(both.message, /create and readOnly/)
      const missing = yield* Effect.flip(withDevice(BlockDevice.layerFile(file, { readOnly: true }), Effect.succeed))
      assert.strictEqual(missing._tag, "IoError")
      assert.include(missing.message, "ENOENT")
      assert.isFalse(fs.existsSync(file))
    }))

  it.effect("refuses a path that is not a non-empty string, and options that are not an object, with InvalidArgument", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, unknown, string]> = [
        [null, undefined, "path must be a non-empty string, got null"],
        [42, undefined, "got 42"],
        ["", undefined, "got an empty string"],
        ["/tmp/never-opened", null, "options must be an object or omitted, got null"],
        ["/tmp/never-opened", { size: -3 }, "size must be a non-negative safe integer, got -3"],
        ["/tmp/never-opened", { offset: "8" }, 'offset must be a non-negative safe integer, got "8"']
      ]
      for (const [file, options, mentions] of cases) {
        const layer = BlockDevice.layerFile(file as string, options as BlockDevice.FileOptions)
        const error = yield* Effect.flip(Effect.scoped(Effect.provide(BlockDevice.BlockDevice, layer)))
        assert.strictEqual(error._tag, "InvalidArgument", String(file))
        assert.include(error.message, mentions)
      }
      assert.isFalse(fs.existsSync("/tmp/never-opened"))
    }))

  it.scoped("pads a read past the end of the file with zeros", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "volume")
      fs.writeFileSync(file, pattern(100, 4))
      const bytes = yield* withDevice(BlockDevice.layerFile(file, { size: 300 }), (device) => device.read(50, 200))
      assert.deepStrictEqual(bytes.subarray(0, 50), pattern(100, 4).subarray(50))
      assert.isTrue(bytes.subarray(50).every((b) => b === 0))
      const target = new Uint8Array(100).fill(0xcc)
      yield* withDevice(BlockDevice.layerFile(file, { size: 300 }), (device) => device.readInto!(80, target))
      assert.deepStrictEqual(target.subarray(0, 20), pattern(100, 4).subarray(80))
      assert.isTrue(target.subarray(20).every((b) => b === 0))
    }))
})
