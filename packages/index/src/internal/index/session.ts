/**
 * Opening an index and serving it (index.md §10, §12): the layout is created
 * or read, the volume opened over the layout's volume region, then a save
 * loaded or the volume index rebuilt; the zone fibers and the chapter writer
 * run in the scope, whose close drains, saves and stops them. Requests are
 * admitted only while the index is neither disabled nor closing.
 *
 * @internal
 */
import { BlockDevice, IndexPageMap, PageCache, ReadQueue, Volume } from "@effect-uds/volume"
import { syncLookupOf } from "@effect-uds/volume/internal/volume/lookup"
import { describeValue } from "@effect-uds/volume/internal/volume/volumeInput"
import { Context, Effect, Either, Layer, Option, Queue, type Scope } from "effect"
import type * as Index from "../../IndexService.js"
import * as IndexConfig from "../../IndexConfig.js"
import type { IndexConfig as Config } from "../../IndexConfig.js"
import { Disabled, type IndexError, InvalidArgument, NeedsRebuild, NoIndex } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"
import { zoneOf } from "../volumeIndex/volumeIndex.js"
import { createLayout } from "../layout/create.js"
import { currentSlot } from "../layout/currentSlot.js"
import { generateNonceInfo } from "../layout/nonceInfo.js"
import { checkStorage, readLayout } from "../layout/read.js"
import { NO_LAST_SAVE } from "../layout/saveSlot.js"
import { NAME_BYTES, RECORD_BYTES } from "../openChapter/zone.js"
import { runChapterWriter } from "./chapterWriter.js"
import { type Core, type IndexDevice, isQuiet, makeZoneStates, type RequestMessage, type RequestType, type Zone } from "./core.js"
import { count, makeCounters } from "./counters.js"
import { Inbox } from "./inbox.js"
import { deviceFailure, fromVolume } from "./errors.js"
import { loadSave } from "./load.js"
import { rebuild } from "./rebuild.js"
import { processRequest, WAIT_FOR_TURN } from "./requests.js"
import { saveIndex } from "./save.js"
import { Signal } from "./signal.js"
import { subDevice } from "./subDevice.js"
import { runZone } from "./zoneWorker.js"

/** Requests that may wait in one zone's inbox before callers wait to launch more. */
const ZONE_QUEUE_BOUND = 1024

const NO_DATA = new Uint8Array(NAME_BYTES)

const OPEN_MODES: ReadonlyArray<string> = ["create", "load", "loadNoRebuild"]

/** The index's device at byte offsets from its super block. */
const indexDevice = (device: BlockDevice.Service, base: number): IndexDevice => ({
  read: (offset, length) => Effect.mapError(device.read(base + offset, length), deviceFailure("read", base + offset)),
  write: (offset, bytes) => Effect.mapError(device.write(base + offset, bytes), deviceFailure("write", base + offset)),
  flush: Effect.mapError(device.flush, deviceFailure("flush", base))
})

const checkBytes = (what: string, bytes: unknown): InvalidArgument | undefined =>
  bytes instanceof Uint8Array && bytes.length === NAME_BYTES
    ? undefined
    : new InvalidArgument({
      message: `a record ${what} is a Uint8Array of ${NAME_BYTES} bytes, got ${describeValue(bytes)}`
    })

/** The volume over the index's volume region, with the page map the index saves. */
const openVolume = (config: Config, device: BlockDevice.Service, pageMap: IndexPageMap.Service, nonce: bigint) => {
  const options = { geometry: config.geometry, nonce, cacheChapters: config.cacheChapters, readThreads: config.readThreads }
  const volume = Layer.scoped(Volume.Volume, Volume.make(options)).pipe(
    Layer.provide(Layer.provideMerge(ReadQueue.layer(options), PageCache.layer(options))),
    Layer.provide(Layer.mergeAll(
      Layer.succeed(BlockDevice.BlockDevice, device),
      Layer.succeed(IndexPageMap.IndexPageMap, pageMap)
    ))
  )
  return Effect.map(Effect.mapError(Layer.build(volume), fromVolume), Context.get(Volume.Volume))
}

/**
 * Waits for the zone to answer `message`; interrupted outside a full inbox,
 * the request is dropped. A request its caller began serving (`pending`)
 * goes first, and the zone stays busy until its fiber has finished it.
 */
const handIn = (core: Core, zone: Zone, message: RequestMessage) =>
  Effect.async<Index.Result, IndexError>((resume) => {
    message.done = resume
    core.inFlight++
    if (message.pending !== undefined) {
      zone.busy = true
      zone.inbox.offerFirst(message)
      return
    }
    if (zone.inbox.offer(message)) return
    return Effect.sync(() => {
      if (message.admitted) return
      message.cancelled = true
      core.inFlight--
      core.changed.notify()
    })
  })

const ignore = (): void => {}

const copyInto = (to: Uint8Array, from: Uint8Array): Uint8Array => {
  for (let i = 0; i < NAME_BYTES; i++) to[i] = from[i]!
  return to
}

/**
 * One request: checked, routed to its zone and answered, as one Effect.
 * When the zone is not busy (its fiber idle or between bursts, no request
 * or close under way) the caller serves the request itself, synchronously,
 * at no fiber hop, even ahead of requests still queued: they are concurrent
 * with it, and the zone's order is a hint, not a guarantee (index.md §5.3);
 * requests for one name still run one at a time in their zone. A request
 * that then needs a volume read or a chapter close hands the rest to the
 * zone's fiber, which takes it before anything queued; one that would read
 * past the volume's budget of synchronous reads waits for the event loop to
 * turn and starts again (WAIT_FOR_TURN), leaving the zone free. Otherwise
 * the request goes to the inbox: the caller waits outside a full one, and, interrupted
 * there, the request is dropped; once in, it is the zone's: an interrupted
 * caller only stops waiting.
 */
const launch = (core: Core, type: RequestType, name: Uint8Array, data: Uint8Array): Effect.Effect<Index.Result, IndexError> =>
  Effect.suspend((): Effect.Effect<Index.Result, IndexError> => {
    const invalid = checkBytes("name", name) ?? checkBytes("data", data)
    if (invalid !== undefined) return Effect.fail(invalid)
    if (core.disabled !== undefined) {
      return Effect.fail(new Disabled({ message: `the index refuses requests since ${core.disabled}; reopen it` }))
    }
    if (core.closing) return Effect.fail(new NoIndex({ message: "the index is closing" }))
    const zone = core.zones[zoneOf(core.volumeIndex, name)]!
    if (!zone.busy) {
      // Copied to the zone's own buffers: a request handed on below keeps them until it is answered.
      const ownName = copyInto(zone.name, name)
      const ownData = data === NO_DATA ? NO_DATA : copyInto(zone.data, data)
      const outcome = processRequest(core, zone, type, ownName, ownData)
      // Nothing done yet: again after the event loop turns, when reads are allowed.
      if (outcome === WAIT_FOR_TURN) return Effect.zipRight(core.syncLookup!.nextTurn, launch(core, type, name, data))
      if (!Effect.isEffect(outcome)) {
        core.needToSave = true
        count(core.counters, type, outcome)
        core.changed.notify()
        return Effect.succeed(outcome)
      }
      return handIn(core, zone, request(type, ownName, ownData, outcome))
    }
    // Only POST and UPDATE store their data; the others pass the shared NO_DATA.
    return handIn(core, zone, request(type, name.slice(), data === NO_DATA ? NO_DATA : data.slice(), undefined))
  })

const request = (
  type: RequestType,
  name: Uint8Array,
  data: Uint8Array,
  pending: RequestMessage["pending"]
): RequestMessage => ({
  _tag: "request",
  type,
  name,
  data,
  done: ignore,
  admitted: false,
  cancelled: false,
  pending
})

const statsOf = (core: Core): Index.Stats => {
  const index = VolumeIndex.stats(core.volumeIndex)
  return {
    entriesIndexed: index.entries,
    memoryUsed: index.memoryUsed + core.collation.records.byteLength + core.collation.indexed.byteLength,
    collisions: index.collisions,
    entriesDiscarded: index.discarded,
    ...core.counters
  }
}

/** Loads the newest valid save, or says why none loads. */
const loadNewest = (core: Core): Effect.Effect<void, IndexError> =>
  Option.match(currentSlot(core.slots), {
    onNone: () => Effect.fail(new NoIndex({ message: "no save slot holds a valid save" })),
    onSome: (slot) => loadSave(core, slot)
  })

/** The configuration checked again, so one not made by IndexConfig.make is refused, not trusted. */
const recheck = (config: Config) =>
  IndexConfig.make({
    memorySize: config.memorySize,
    sparse: config.sparse,
    reduced: config.reduced,
    zones: config.zones,
    readThreads: config.readThreads,
    nonce: config.nonce,
    offset: config.offset
  })

export const makeIndex = (
  given: Config,
  options: Index.Options
): Effect.Effect<Index.Service, IndexError, BlockDevice.BlockDevice | Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* recheck(given)
    if (!OPEN_MODES.includes(options.open)) {
      return yield* new InvalidArgument({
        message: `open must be "create", "load" or "loadNoRebuild", got ${describeValue(options.open)}`
      })
    }
    if (options.open !== "create" && options.nonceInfo !== undefined) {
      return yield* new InvalidArgument({ message: `nonceInfo is only for open: "create"; a loaded index keeps its own` })
    }
    const blockDevice = yield* BlockDevice.BlockDevice
    yield* checkStorage(config, blockDevice.size)
    const device = indexDevice(blockDevice, config.offset)
    const { geometry } = config
    let layout
    let slots
    if (options.open === "create") {
      const created = yield* createLayout(config, options.nonceInfo ?? (yield* generateNonceInfo))
      for (const write of created.writes) yield* device.write(write.offset, write.bytes)
      yield* device.flush
      layout = created.layout
      slots = layout.saves.map((_, slot) => Either.right({ state: "unsaved" as const, slot }))
    } else {
      const read = yield* readLayout(config, device.read)
      layout = read.layout
      slots = [...read.slots]
    }
    const pageMap = IndexPageMap.makeSync(geometry)
    const volumeDevice = subDevice(blockDevice, config.offset + layout.volume.byteOffset, layout.volume.byteLength)
    const volume = yield* openVolume(config, volumeDevice, pageMap, layout.volumeNonce)
    const volumeIndex = yield* VolumeIndex.make(geometry, { zoneCount: config.zones, meanDelta: config.volumeIndexMeanDelta })
    const inboxes = Array.from({ length: config.zones }, () => new Inbox(ZONE_QUEUE_BOUND, () => core.pendingMessages++))
    const core: Core = {
      config,
      geometry,
      layout,
      device,
      volume,
      syncLookup: syncLookupOf(volume),
      pageMap,
      volumeIndex,
      zones: makeZoneStates(geometry, config.zones, inboxes),
      oldest: 0,
      newest: 0,
      handedIn: 0,
      writerInbox: yield* Queue.unbounded<number>(),
      chaptersPending: 0,
      saving: false,
      writeError: undefined,
      changed: new Signal(),
      inFlight: 0,
      pendingMessages: 0,
      needToSave: true,
      hasSavedOpenChapter: false,
      lastSave: NO_LAST_SAVE,
      pageMapLastUpdate: 0,
      slots,
      disabled: undefined,
      closing: false,
      counters: makeCounters(),
      collation: {
        records: new Uint8Array(geometry.recordsPerChapter * RECORD_BYTES),
        indexed: new Uint8Array(geometry.recordsPerChapter)
      }
    }
    let opened: Index.Opened = "created"
    if (options.open !== "create") {
      const loaded = yield* Effect.either(loadNewest(core))
      if (Either.isRight(loaded)) opened = "loaded"
      else if (options.open === "loadNoRebuild") {
        return yield* new NeedsRebuild({
          message: `the index was not saved cleanly (${loaded.left.message}); open it with "load" to rebuild it from the volume`
        })
      } else {
        yield* Effect.logInfo(`rebuilding the index from its volume: ${loaded.left.message}`)
        yield* rebuild(core, (done, total) => options.onRebuildProgress?.({ done, total }))
        opened = "rebuilt"
      }
    }
    yield* Effect.forkScoped(runChapterWriter(core))
    for (const zone of core.zones) yield* Effect.forkScoped(runZone(core, zone))
    // Runs before the fibers above are stopped: drain, let the writer finish, save.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        core.closing = true
        return Effect.catchAll(saveIndex(core), (error) => Effect.logError(`saving the index at close failed: ${error.message}`))
      })
    )
    const flush = core.changed.waitUntil(() => isQuiet(core))
    const service: Index.Service = {
      config,
      opened,
      post: (name, data) => launch(core, "post", name, data),
      update: (name, data) => launch(core, "update", name, data),
      query: (name) => launch(core, "query", name, NO_DATA),
      queryNoUpdate: (name) => launch(core, "queryNoUpdate", name, NO_DATA),
      delete: (name) => launch(core, "delete", name, NO_DATA),
      flush,
      save: Effect.suspend(() =>
        core.closing ? Effect.fail(new NoIndex({ message: "the index is closing" })) : saveIndex(core)
      ),
      chapters: Effect.sync(() => {
        let oldest = core.zones[0]!.oldest
        let newest = core.zones[0]!.newest
        for (const zone of core.zones) {
          oldest = Math.min(oldest, zone.oldest)
          newest = Math.max(newest, zone.newest)
        }
        return { oldest, newest }
      }),
      stats: Effect.sync(() => statsOf(core))
    }
    return service
  })
