// Closing a volume while work waits on a slow or hung device: the close
// returns (the device never would), every waiting call ends interrupted, and
// no fiber the volume or its callers started is left running, as counted by
// a Supervisor that tracks every fiber forked under it.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Option, Scope, Supervisor } from "effect"
import { BlockDevice, type Geometry, Volume } from "@effect-uds/volume"
import { faultyVolumeLayer, volumeImage } from "../support/faults.js"
import { chapterRecords, recordAt, smallGeometry } from "../support/volumes.js"

const geometry = smallGeometry

/**
 * Opens a faulty volume in a scope of its own under a fiber-tracking
 * supervisor, arms `fault`, starts `work` (each in a tracked fiber), waits
 * until `stuck` says the device holds them, then closes the scope. Returns
 * the exits of the work, the device's hanging count and the fibers still
 * running afterwards.
 */
const closeWhileStuck = (
  g: Geometry.Geometry,
  bytes: Uint8Array,
  fault: (faults: BlockDevice.FaultControlService) => Effect.Effect<void>,
  work: (volume: Volume.Service) => ReadonlyArray<Effect.Effect<unknown, unknown>>,
  stuck: (faults: BlockDevice.FaultControlService, volume: Volume.Service) => Effect.Effect<boolean>
) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor.track
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(faultyVolumeLayer(g, bytes), scope).pipe(Effect.supervised(supervisor))
    const volume = Context.get(context, Volume.Volume)
    const faults = Context.get(context, BlockDevice.FaultControl)
    yield* fault(faults)
    const fibers = yield* Effect.forEach(work(volume), (effect) => Effect.fork(effect)).pipe(Effect.supervised(supervisor))
    while (!(yield* stuck(faults, volume))) yield* Effect.yieldNow()
    const runningBefore = (yield* supervisor.value).length
    yield* Scope.close(scope, Exit.void)
    const exits = yield* Effect.forEach(fibers, Fiber.await)
    // Interrupted fibers finish their finalizers before they report their exit.
    const running = (yield* supervisor.value).filter((fiber) => fiber.unsafePoll() === null)
    return { exits, hanging: yield* faults.hanging, running, runningBefore, volume }
  })

const lookupsOfEveryKind = (volume: Volume.Service) => {
  const name = (vcn: number, i: number) => recordAt(chapterRecords(geometry, vcn), i).name
  return [
    ...Array.from({ length: 40 }, (_, j) => volume.lookup(name(j % 4, j * 13), j % 4)),
    ...Array.from({ length: 10 }, (_, j) =>
      Effect.catchTag(volume.lookupCached(name(j % 4, j), j % 4), "Queued", (queued) => queued.ready)),
    ...Array.from({ length: 5 }, (_, j) => volume.lookupForRebuild(name(j % 4, j * 7), j % 4)),
    volume.findChapterBoundaries,
    volume.getPage(1, 3),
    volume.readChapterIndex(2)
  ]
}

describe("shutdown", () => {
  it.live("closing while lookups of every kind wait on a hung device interrupts them all and leaves no fiber running", () =>
    Effect.gen(function*() {
      const result = yield* closeWhileStuck(
        geometry,
        yield* volumeImage(geometry, 0, 3),
        (faults) => faults.hang({ operation: "read" }),
        lookupsOfEveryKind,
        (faults) => Effect.map(faults.hanging, (n) => n >= 2)
      )
      assert.isAbove(result.runningBefore, 0, "the supervisor saw the volume's fibers")
      assert.deepStrictEqual(result.exits.map(Exit.isInterrupted), result.exits.map(() => true))
      assert.strictEqual(result.hanging, 0, "no read still hangs")
      assert.deepStrictEqual(result.running, [])
    }))

  it.live("closing while every read sleeps for an hour returns at once, interrupting the reads and their lookups", () =>
    Effect.gen(function*() {
      const result = yield* closeWhileStuck(
        geometry,
        yield* volumeImage(geometry, 0, 3),
        (faults) => faults.delay({ operation: "read", duration: "1 hour" }),
        lookupsOfEveryKind,
        (_, volume) => Effect.map(volume.stats, (stats) => stats.readsQueued >= 4)
      )
      assert.isAbove(result.runningBefore, 0)
      assert.deepStrictEqual(result.exits.map(Exit.isInterrupted), result.exits.map(() => true))
      assert.deepStrictEqual(result.running, [])
    }))

  it.live("closing while a chapter write hangs on the device interrupts the write, and the chapter never lands", () =>
    Effect.gen(function*() {
      const bytes = yield* volumeImage(geometry, 0, 3)
      const result = yield* closeWhileStuck(
        geometry,
        bytes,
        (faults) => faults.hang({ operation: "write" }),
        (volume) => [volume.writeChapter(4, chapterRecords(geometry, 4))],
        (faults) => Effect.map(faults.hanging, (n) => n === 1)
      )
      assert.isTrue(Exit.isInterrupted(result.exits[0]!))
      assert.strictEqual(result.hanging, 0)
      assert.deepStrictEqual(result.running, [])
      const reopened = yield* Effect.scoped(Effect.flatMap(
        Layer.build(faultyVolumeLayer(geometry, bytes)),
        (context) => Context.get(context, Volume.Volume).findChapterBoundaries
      ))
      assert.deepStrictEqual(reopened, { lowest: 0, highest: 3, isEmpty: false })
    }))

  it.live("a chapter write its caller interrupts while hung on the device runs on, the next write waits for it, and the volume goes on", () =>
    Effect.scoped(Effect.gen(function*() {
      const bytes = yield* volumeImage(geometry, 0, 3)
      const context = yield* Layer.build(faultyVolumeLayer(geometry, bytes))
      const volume = Context.get(context, Volume.Volume)
      const faults = Context.get(context, BlockDevice.FaultControl)
      yield* faults.hang({ operation: "flush" })
      const writer = yield* Effect.fork(volume.writeChapter(4, chapterRecords(geometry, 4)))
      while ((yield* faults.hanging) === 0) yield* Effect.yieldNow()
      // The caller stops waiting at once; the device work it started goes on.
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(writer)))
      assert.strictEqual(yield* faults.hanging, 1)
      const next = yield* Effect.fork(volume.writeChapter(5, chapterRecords(geometry, 5)))
      yield* Effect.sleep("20 millis")
      assert.isNull(next.unsafePoll(), "the next write waits for the one still on the device")
      yield* faults.clear
      yield* Fiber.join(next)
      for (const vcn of [0, 4, 5]) {
        const { data, name } = recordAt(chapterRecords(geometry, vcn), 77)
        assert.deepStrictEqual(Option.getOrThrow(yield* volume.lookup(name, vcn)), data.slice())
      }
    })))

  it.live("a closed volume still answers from what it cached, and interrupts at once what needs a read", () =>
    Effect.gen(function*() {
      const bytes = yield* volumeImage(geometry, 0, 1)
      const result = yield* closeWhileStuck(
        geometry,
        bytes,
        () => Effect.void,
        (volume) => [volume.lookup(recordAt(chapterRecords(geometry, 0), 5).name, 0)],
        (_, volume) => Effect.map(volume.stats, (stats) => stats.pagesRead >= 2)
      )
      assert.isTrue(Exit.isSuccess(result.exits[0]!))
      const { volume } = result
      const cached = yield* volume.lookup(recordAt(chapterRecords(geometry, 0), 5).name, 0)
      assert.deepStrictEqual(cached._tag, "Some")
      const later = yield* Effect.exit(volume.lookup(recordAt(chapterRecords(geometry, 1), 5).name, 1))
      assert.isTrue(Exit.isInterrupted(later))
    }))
})
