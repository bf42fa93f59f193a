// Volumes over fault-injecting and crash-simulating devices, and helpers to
// classify lookup outcomes exactly.
import { Context, Effect, Layer, Option } from "effect"
import { BlockDevice, Geometry, Volume } from "@effect-uds/volume"
import { memoryVolume, NONCE, writeChapters } from "./volumes.js"

/** 1 KiB pages, 24 record pages and three index pages a chapter, 8 chapters: small, so every page can be tested. */
export const threeIndexGeometry = Effect.runSync(
  Geometry.make({ bytesPerPage: 1024, recordPagesPerChapter: 24, chaptersPerVolume: 8 })
)

/** Volume options the fault tests vary. */
export interface VolumeOptions {
  readonly cacheChapters?: number
  readonly readThreads?: number
}

/** A volume over `layerFaulty` over a memory device holding `bytes`; the volume and the fault controls. */
export const faultyVolumeLayer = (geometry: Geometry.Geometry, bytes: Uint8Array, options: VolumeOptions = {}) =>
  Volume.layer({ geometry, nonce: NONCE, ...options }).pipe(
    Layer.provideMerge(BlockDevice.layerFaulty.pipe(Layer.provide(BlockDevice.layerMemory({ bytes }))))
  )

/** The volume and fault controls of `faultyVolumeLayer`, built in the current scope. */
export const openFaultyVolume = (geometry: Geometry.Geometry, bytes: Uint8Array, options: VolumeOptions = {}) =>
  Effect.map(Layer.build(faultyVolumeLayer(geometry, bytes, options)), (context) => ({
    volume: Context.get(context, Volume.Volume),
    faults: Context.get(context, BlockDevice.FaultControl)
  }))

/**
 * A volume over `layerFaulty` over `layerCrashable` over a memory device
 * holding `bytes`, built in the current scope: writes stay volatile until a
 * flush reaches the crashable device, and the fault controls can stop that
 * flush so a crash can then drop or tear the chapter just written.
 */
export const openCrashableVolume = (geometry: Geometry.Geometry, bytes: Uint8Array, options: VolumeOptions = {}) =>
  Effect.map(
    Layer.build(
      Volume.layer({ geometry, nonce: NONCE, ...options }).pipe(
        Layer.provideMerge(BlockDevice.layerFaulty),
        Layer.provideMerge(BlockDevice.layerCrashable),
        Layer.provide(BlockDevice.layerMemory({ bytes }))
      )
    ),
    (context) => ({
      volume: Context.get(context, Volume.Volume),
      faults: Context.get(context, BlockDevice.FaultControl),
      crash: Context.get(context, BlockDevice.CrashControl)
    })
  )

const images = new Map<string, Uint8Array>()

/** A volume image holding virtual chapters first..last written in order (memoised; a fresh copy each time). */
export const volumeImage = (geometry: Geometry.Geometry, first: number, last: number): Effect.Effect<Uint8Array> =>
  Effect.suspend(() => {
    const key = `${geometry.bytesPerPage}/${geometry.recordPagesPerChapter}/${geometry.chaptersPerVolume}/${first}/${last}`
    const image = images.get(key)
    if (image !== undefined) return Effect.succeed(image.slice())
    const bytes = new Uint8Array(geometry.bytesPerVolume)
    return Effect.scoped(Effect.provide(writeChapters(geometry, first, last), memoryVolume(geometry, bytes))).pipe(
      Effect.orDie,
      Effect.map(() => {
        images.set(key, bytes)
        return bytes.slice()
      })
    )
  })

/** Byte range [start, end) of a page of a physical chapter on the device. */
export const pageBytes = (geometry: Geometry.Geometry, physicalChapter: number, pageInChapter: number) => {
  const start = (1 + physicalChapter * geometry.pagesPerChapter + pageInChapter) * geometry.bytesPerPage
  return { start, end: start + geometry.bytesPerPage }
}

/** A fault `when` predicate matching accesses to one page of a physical chapter. */
export const onPage = (geometry: Geometry.Geometry, physicalChapter: number, pageInChapter: number) => {
  const { end, start } = pageBytes(geometry, physicalChapter, pageInChapter)
  return BlockDevice.overlaps(start, end)
}

/** Whether two byte arrays hold the same bytes. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

/**
 * What a lookup gave, in one word: "found" (the expected data), "wrong"
 * (some other data: never acceptable), "none", or the error's tag.
 */
export type Outcome = "found" | "wrong" | "none" | string

/** Runs a lookup and classifies its outcome against the expected data. */
export const outcomeOf = <R>(
  lookup: Effect.Effect<Option.Option<Uint8Array>, { readonly _tag: string }, R>,
  expected: Uint8Array
): Effect.Effect<Outcome, never, R> =>
  Effect.match(lookup, {
    onFailure: (error) => error._tag,
    onSuccess: (found) => Option.isNone(found) ? "none" : sameBytes(found.value, expected) ? "found" : "wrong"
  })

/**
 * lookupCached as a client would use it: retried after `Queued.ready` until it
 * answers; "stuck" if it is still Queued after `attempts` tries.
 */
export const lookupCachedUntilDone = (
  volume: Volume.Service,
  name: Uint8Array,
  virtualChapter: number,
  attempts = 8
): Effect.Effect<Option.Option<Uint8Array>, { readonly _tag: string }> =>
  Effect.catchTag(volume.lookupCached(name, virtualChapter), "Queued", (queued) =>
    attempts <= 1
      ? Effect.fail({ _tag: "stuck" })
      : Effect.zipRight(queued.ready, lookupCachedUntilDone(volume, name, virtualChapter, attempts - 1)))

/** Counts outcomes: `{ found: 12, none: 3 }`. */
export const tally = (outcomes: ReadonlyArray<Outcome>): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1
  return counts
}
