import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import { BlockDevice } from "@effect-uds/volume"

const SIZE = 4096

const pattern = (length: number, seed: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (seed * 13 + i * 5) & 0xff
  return bytes
}

// A faulty device over `bytes`, which the test can inspect directly.
const faulty = (bytes: Uint8Array) => BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))
const crashable = (bytes: Uint8Array) =>
  BlockDevice.layerCrashable.pipe(Layer.provide(BlockDevice.layerMemory({ bytes })))

// "ok" or the error tag of each effect, run one after another.
const tags = <R>(effects: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }, R>>) =>
  Effect.forEach(effects, (effect) =>
    Effect.match(effect, {
      onFailure: (error) => error._tag,
      onSuccess: () => "ok"
    }))

// Waits (without time) until `count` operations hang.
const awaitHanging = (control: BlockDevice.FaultControlService, count: number) =>
  Effect.repeat(control.hanging, { until: (n) => n >= count })

describe("BlockDevice.layerFaulty", () => {
  it.effect("fails exactly the reads overlapping a byte range, with an injected IoError", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.fail({ operation: "read", when: BlockDevice.overlaps(1000, 2000) })
      const outcome = yield* tags([
        device.read(0, 1000),
        device.read(999, 2),
        device.read(1999, 1),
        device.read(2000, 100),
        device.write(1500, new Uint8Array(10)),
        device.flush
      ])
      assert.deepStrictEqual(outcome, ["ok", "IoError", "IoError", "ok", "ok", "ok"])
      const error = yield* Effect.flip(device.read(1500, 1))
      assert.strictEqual(error._tag, "IoError")
      if (error._tag !== "IoError") return
      assert.strictEqual(error.operation, "read")
      assert.strictEqual(error.offset, 1500)
      assert.match(error.message, /injected/)
    }).pipe(Effect.provide(faulty(new Uint8Array(SIZE)))))

  it.effect("fails the next n reads, then reads succeed again", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.fail({ operation: "read", times: 3 })
      const outcome = yield* tags([
        device.read(0, 1),
        device.write(0, new Uint8Array(1)),
        device.read(1, 1),
        device.read(2, 1),
        device.read(3, 1),
        device.read(4, 1)
      ])
      assert.deepStrictEqual(outcome, ["IoError", "ok", "IoError", "IoError", "ok", "ok"])
    }).pipe(Effect.provide(faulty(new Uint8Array(SIZE)))))

  it.effect("fails every write after the first n, leaving the device beneath unwritten", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(SIZE)
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const control = yield* BlockDevice.FaultControl
        yield* control.fail({ operation: "write", after: 2 })
        const outcome = yield* tags([1, 2, 3, 4].map((i) => device.write(i * 10, new Uint8Array([i]))))
        assert.deepStrictEqual(outcome, ["ok", "ok", "IoError", "IoError"])
        assert.deepStrictEqual(yield* tags([device.read(0, 10), device.flush]), ["ok", "ok"])
      }).pipe(Effect.provide(faulty(bytes)))
      assert.deepStrictEqual([bytes[10], bytes[20], bytes[30], bytes[40]], [1, 2, 0, 0])
    }))

  it.effect("fails flushes when armed, with operation flush", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.fail({ operation: "flush", after: 1, times: 1 })
      assert.deepStrictEqual(yield* tags([device.flush, device.flush, device.flush]), ["ok", "IoError", "ok"])
      yield* control.fail({ operation: ["flush", "write"] })
      const error = yield* Effect.flip(device.flush)
      assert.strictEqual(error.operation, "flush")
      assert.deepStrictEqual(yield* tags([device.read(0, 1), device.write(0, new Uint8Array(1))]), ["ok", "IoError"])
    }).pipe(Effect.provide(faulty(new Uint8Array(SIZE)))))

  it.effect("disarms every fault on clear", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.fail({ operation: ["read", "write", "flush"] })
      yield* control.corrupt({ flipBits: [0] })
      assert.deepStrictEqual(yield* tags([device.read(0, 1), device.flush]), ["IoError", "IoError"])
      yield* control.clear
      assert.deepStrictEqual(yield* device.read(0, 2), pattern(2, 1))
      yield* device.flush
    }).pipe(Effect.provide(faulty(pattern(SIZE, 1)))))

  it.effect("delays reads by the armed latency and then returns their bytes", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.delay({ operation: "read", duration: "1 second" })
      const fiber = yield* Effect.fork(device.read(8, 4))
      yield* Effect.yieldNow()
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* device.write(0, new Uint8Array(1)) // writes are not delayed
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), pattern(SIZE, 2).subarray(8, 12))
    }).pipe(Effect.provide(faulty(pattern(SIZE, 2)))))

  it.effect("holds a hung read until released", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.hang({ operation: "read" })
      const fiber = yield* Effect.fork(device.read(0, 4))
      yield* awaitHanging(control, 1)
      yield* device.write(100, new Uint8Array([1])) // other operations go on
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* control.release
      assert.deepStrictEqual(yield* Fiber.join(fiber), pattern(4, 3))
      assert.strictEqual(yield* control.hanging, 0)
      assert.deepStrictEqual(yield* device.read(0, 4), pattern(4, 3)) // released: no longer armed
    }).pipe(Effect.provide(faulty(pattern(SIZE, 3)))))

  it.effect("lets a hung read be interrupted", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.hang()
      const fiber = yield* Effect.fork(device.read(0, 4))
      yield* awaitHanging(control, 1)
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.strictEqual(yield* control.hanging, 0)
    }).pipe(Effect.provide(faulty(new Uint8Array(SIZE)))))

  it.effect("flips the given device bits in reads that cover them, on a copy", () =>
    Effect.gen(function*() {
      const bytes = pattern(SIZE, 4)
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const control = yield* BlockDevice.FaultControl
        yield* control.corrupt({ flipBits: [100 * 8 + 0, 101 * 8 + 7] })
        const read = yield* device.read(96, 8)
        const expected = pattern(SIZE, 4).slice(96, 104)
        expected[4]! ^= 0x01
        expected[5]! ^= 0x80
        assert.deepStrictEqual(read, expected)
        const target = new Uint8Array(2)
        yield* BlockDevice.readInto(device, 101, target)
        assert.deepStrictEqual(target, new Uint8Array([bytes[101]! ^ 0x80, bytes[102]!]))
        assert.deepStrictEqual(yield* device.read(200, 8), bytes.subarray(200, 208)) // elsewhere intact
      }).pipe(Effect.provide(faulty(bytes)))
      assert.deepStrictEqual(bytes, pattern(SIZE, 4))
    }))

  it.effect("applies a mutating corruption only to the reads its predicate selects", () =>
    Effect.gen(function*() {
      const bytes = pattern(SIZE, 5)
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const control = yield* BlockDevice.FaultControl
        yield* control.corrupt({
          when: BlockDevice.overlaps(0, 512),
          mutate: (read, offset) => read.fill(offset & 0xff)
        })
        assert.deepStrictEqual(yield* device.read(7, 3), new Uint8Array([7, 7, 7]))
        assert.deepStrictEqual(yield* device.read(512, 3), bytes.subarray(512, 515))
      }).pipe(Effect.provide(faulty(bytes)))
      assert.deepStrictEqual(bytes, pattern(SIZE, 5))
    }))

  it.effect("counts the reads, writes and flushes it sees", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.FaultControl
      yield* control.fail({ operation: "read", times: 1 })
      yield* tags([device.read(0, 1), device.read(0, 1), BlockDevice.readInto(device, 0, new Uint8Array(1))])
      yield* device.write(0, new Uint8Array(1))
      yield* device.flush
      yield* Effect.flip(device.read(-1, 1)) // refused before it reaches the device: not counted
      assert.deepStrictEqual(yield* control.counts, { reads: 3, writes: 1, flushes: 1 })
      yield* control.resetCounts
      assert.deepStrictEqual(yield* control.counts, { reads: 0, writes: 0, flushes: 0 })
    }).pipe(Effect.provide(faulty(new Uint8Array(SIZE)))))
})

describe("BlockDevice.layerCrashable", () => {
  it.effect("holds writes until flush while reads already see them", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(SIZE)
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const control = yield* BlockDevice.CrashControl
        yield* device.write(10, pattern(20, 1))
        yield* device.write(20, pattern(20, 2))
        assert.strictEqual(yield* control.pending, 2)
        assert.isTrue(bytes.every((b) => b === 0))
        const expected = new Uint8Array(40)
        expected.set(pattern(20, 1), 10)
        expected.set(pattern(20, 2), 20)
        assert.deepStrictEqual(yield* device.read(0, 40), expected)
        yield* device.flush
        assert.strictEqual(yield* control.pending, 0)
        assert.deepStrictEqual(bytes.subarray(0, 40), expected)
      }).pipe(Effect.provide(crashable(bytes)))
    }))

  it.effect("drops unflushed writes on a crash and keeps flushed ones", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(SIZE)
      yield* Effect.gen(function*() {
        const device = yield* BlockDevice.BlockDevice
        const control = yield* BlockDevice.CrashControl
        yield* device.write(0, pattern(100, 1))
        yield* device.flush
        yield* device.write(50, pattern(100, 2))
        yield* device.write(1000, pattern(100, 3))
        yield* control.crash()
        assert.strictEqual(yield* control.pending, 0)
        const expected = new Uint8Array(1100)
        expected.set(pattern(100, 1))
        assert.deepStrictEqual(yield* device.read(0, 1100), expected)
        // The device keeps working, holding writes again.
        yield* device.write(2000, pattern(10, 4))
        assert.strictEqual(yield* control.pending, 1)
        yield* device.flush
      }).pipe(Effect.provide(crashable(bytes)))
      assert.deepStrictEqual(bytes.subarray(2000, 2010), pattern(10, 4))
      assert.isTrue(bytes.subarray(100, 2000).every((b) => b === 0))
    }))

  it.effect("keeps exactly the first k unflushed writes on a crash with keep", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.CrashControl
      for (let i = 0; i < 5; i++) yield* device.write(i * 100, pattern(100, i + 1))
      yield* control.crash({ keep: 3 })
      for (let i = 0; i < 5; i++) {
        const expected = i < 3 ? pattern(100, i + 1) : new Uint8Array(100)
        assert.deepStrictEqual(yield* device.read(i * 100, 100), expected, `write ${i}`)
      }
    }).pipe(Effect.provide(crashable(new Uint8Array(SIZE)))))

  it.effect("tears the write after the kept ones at tornBytes", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const control = yield* BlockDevice.CrashControl
      yield* device.write(0, pattern(100, 1))
      yield* device.write(100, pattern(100, 2))
      yield* device.write(200, pattern(100, 3))
      yield* control.crash({ keep: 1, tornBytes: 37 })
      const expected = new Uint8Array(300)
      expected.set(pattern(100, 1))
      expected.set(pattern(37, 2), 100)
      assert.deepStrictEqual(yield* device.read(0, 300), expected)
    }).pipe(Effect.provide(crashable(new Uint8Array(SIZE)))))

  it.effect("applies overlapping writes in order, the later one winning, before and after flush", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      yield* device.write(0, new Uint8Array(10).fill(1))
      yield* device.write(5, new Uint8Array(10).fill(2))
      yield* device.write(0, new Uint8Array(2).fill(3))
      const expected = new Uint8Array([3, 3, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
      assert.deepStrictEqual(yield* device.read(0, 15), expected)
      yield* device.flush
      assert.deepStrictEqual(yield* device.read(0, 15), expected)
    }).pipe(Effect.provide(crashable(new Uint8Array(SIZE)))))

  it.effect("copies written data, so the caller may reuse its buffer", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const buffer = new Uint8Array(4).fill(7)
      yield* device.write(0, buffer)
      buffer.fill(0)
      yield* device.flush
      assert.deepStrictEqual(yield* device.read(0, 4), new Uint8Array(4).fill(7))
    }).pipe(Effect.provide(crashable(new Uint8Array(SIZE)))))

  it.effect("refuses a negative or fractional keep or tornBytes with InvalidArgument", () =>
    Effect.gen(function*() {
      const control = yield* BlockDevice.CrashControl
      assert.deepStrictEqual(
        yield* tags([control.crash({ keep: -1 }), control.crash({ tornBytes: 0.5 }), control.crash({ keep: 9 })]),
        ["InvalidArgument", "InvalidArgument", "ok"]
      )
    }).pipe(Effect.provide(crashable(new Uint8Array(SIZE)))))

  it.effect("keeps writes pending when the device beneath fails the flush", () =>
    Effect.gen(function*() {
      const device = yield* BlockDevice.BlockDevice
      const crash = yield* BlockDevice.CrashControl
      const faults = yield* BlockDevice.FaultControl
      yield* device.write(0, pattern(8, 1))
      yield* device.write(8, pattern(8, 2))
      yield* faults.fail({ operation: "write", after: 1, times: 1 })
      const error = yield* Effect.flip(device.flush)
      assert.strictEqual(error.operation, "write")
      assert.strictEqual(yield* crash.pending, 1) // the first write landed, the second is still held
      yield* crash.crash()
      const expected = new Uint8Array(16)
      expected.set(pattern(8, 1))
      assert.deepStrictEqual(yield* device.read(0, 16), expected)
    }).pipe(Effect.provide(
      BlockDevice.layerCrashable.pipe(
        Layer.provideMerge(BlockDevice.layerFaulty),
        Layer.provide(BlockDevice.layerMemory({ size: SIZE }))
      )
    )))
})
