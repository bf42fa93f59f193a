/**
 * V1: the volume index alone (spec/index/volume-index.md). A 0.25 GB dense
 * configuration is filled to 90 % of its records (chapter by chapter, each
 * chapter 90 % full, so nothing expires), timing get + put of each new name;
 * then gets of random names put earlier are timed. Memory is read from the
 * index's typed arrays.
 */
import { VolumeIndex } from "@effect-uds/index"
import { Geometry } from "@effect-uds/volume"
import { Effect, Either } from "effect"
import { progress } from "./benchVolume.js"

/** What V1 measured. */
export interface V1Result {
  readonly putsPerSecond: number
  readonly getsPerSecond: number
  /** The same per second of this process's CPU time (steadier on a shared machine). */
  readonly putsPerCpuSecond: number
  readonly getsPerCpuSecond: number
  readonly entries: number
  /** Bytes of the index's typed arrays per record it is sized for (R × chapters). */
  readonly bytesPerEntry: number
  /** The same bytes per entry held after the fill. */
  readonly bytesPerHeldEntry: number
  /** Bits the entries use in the lists, per entry. */
  readonly bitsPerEntry: number
  readonly overflows: number
  /** Gets of names put earlier that did not find their chapter (must be 0). */
  readonly wrong: number
}

const cpuSeconds = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

/** The goal of issue 11 and the reference's budget (volume-index.md §7). */
const GOAL = 2e6

// Name k of the run: four 32-bit words of a strong integer mix of (k, word), so any name can be made again.
const mix = (x: number): number => {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}
const makeName = (k: number, out: Uint8Array, view: DataView): Uint8Array => {
  const high = Math.floor(k / 2 ** 30)
  const low = k % 2 ** 30
  for (let word = 0; word < 4; word++) view.setUint32(word * 4, mix(mix(low * 4 + word) ^ high ^ 0x5eed), true)
  return out
}

const fill = (index: VolumeIndex.VolumeIndex, chapters: number, perChapter: number): number => {
  const record = VolumeIndex.makeRecord()
  const name = new Uint8Array(16)
  const view = new DataView(name.buffer)
  let k = 0
  let failed = 0
  for (let chapter = 0; chapter < chapters; chapter++) {
    Either.getOrThrow(VolumeIndex.setOpenChapter(index, chapter))
    for (let i = 0; i < perChapter; i++, k++) {
      makeName(k, name, view)
      VolumeIndex.get(index, name, record)
      if (VolumeIndex.put(index, record, chapter) !== VolumeIndex.Status.Ok) failed++
    }
  }
  return failed
}

const lookUp = (index: VolumeIndex.VolumeIndex, total: number, perChapter: number, gets: number): number => {
  const record = VolumeIndex.makeRecord()
  const name = new Uint8Array(16)
  const view = new DataView(name.buffer)
  let wrong = 0
  for (let i = 0; i < gets; i++) {
    const k = mix(i ^ 0xabcdef) % total
    VolumeIndex.get(index, makeName(k, name, view), record)
    if (!record.found || record.virtualChapter !== Math.floor(k / perChapter)) wrong++
  }
  return wrong
}

/** Runs V1 on a dense configuration of `memory` GB, filled to `fraction` of its records. */
export const v1VolumeIndex = (
  memory: Geometry.MemorySize = 0.25,
  fraction = 0.9,
  gets = 4_000_000
): Effect.Effect<V1Result, Error> =>
  Effect.gen(function*() {
    const geometry = yield* Geometry.fromMemorySize(memory)
    const index = yield* Either.mapLeft(VolumeIndex.make(geometry), (e) => new Error(e.message))
    const perChapter = Math.floor(geometry.recordsPerChapter * fraction)
    const chapters = geometry.chaptersPerVolume
    const total = perChapter * chapters
    yield* progress(`V1: putting ${total} names into a ${memory} GB volume index`)
    const putStart = performance.now()
    const putCpu = cpuSeconds()
    const failed = fill(index, chapters, perChapter)
    const putSeconds = (performance.now() - putStart) / 1000
    const putCpuSeconds = cpuSeconds() - putCpu
    yield* progress(`V1: ${gets} gets`)
    const getStart = performance.now()
    const getCpu = cpuSeconds()
    const wrong = lookUp(index, total, perChapter, gets)
    const getSeconds = (performance.now() - getStart) / 1000
    const getCpuSeconds = cpuSeconds() - getCpu
    const stats = VolumeIndex.stats(index)
    return {
      putsPerSecond: total / putSeconds,
      getsPerSecond: gets / getSeconds,
      putsPerCpuSecond: total / putCpuSeconds,
      getsPerCpuSecond: gets / getCpuSeconds,
      entries: stats.entries,
      bytesPerEntry: stats.memoryUsed / (geometry.recordsPerChapter * chapters),
      bytesPerHeldEntry: stats.memoryUsed / stats.entries,
      bitsPerEntry: stats.usedBits / stats.entries,
      overflows: failed,
      wrong
    }
  }).pipe(Effect.mapError((e) => (e instanceof Error ? e : new Error(String(e)))))

const round = (value: number, digits: number): number => Number(value.toFixed(digits))

/** V1's JSON line. */
export const v1JsonLine = (result: V1Result): string =>
  JSON.stringify({
    workload: "V1",
    metric: "puts_per_s",
    value: Math.round(result.putsPerSecond),
    getsPerS: Math.round(result.getsPerSecond),
    bytesPerEntry: round(result.bytesPerEntry, 3),
    putsPerCpuS: Math.round(result.putsPerCpuSecond),
    getsPerCpuS: Math.round(result.getsPerCpuSecond),
    bytesPerHeldEntry: round(result.bytesPerHeldEntry, 3),
    bitsPerEntry: round(result.bitsPerEntry, 2),
    entries: result.entries,
    wrong: result.wrong
  })

/** V1's lines for the human table. */
export const v1Text = (result: V1Result): string =>
  [
    `V1 volume index (0.25 GB dense, ${result.entries} entries = 90 %): ` +
    `puts ${(result.putsPerSecond / 1e6).toFixed(2)} M/s, gets ${(result.getsPerSecond / 1e6).toFixed(2)} M/s ` +
    `(goal ${GOAL / 1e6} M/s; per CPU second ${(result.putsPerCpuSecond / 1e6).toFixed(2)} and ` +
    `${(result.getsPerCpuSecond / 1e6).toFixed(2)} M/s), ${result.wrong} wrong`,
    `   memory ${result.bytesPerEntry.toFixed(3)} bytes per record sized for (reference: 3.13 in its zone arrays, ` +
    `about 3.25 with its per-list bookkeeping, volume-index.md §7), ` +
    `${result.bytesPerHeldEntry.toFixed(3)} per entry held, entries use ${result.bitsPerEntry.toFixed(2)} bits`
  ].join("\n")
