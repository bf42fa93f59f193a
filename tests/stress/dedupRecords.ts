// Stress-test data as dedup writes it: names repeat across chapters (the same
// block written again), each time with other data, so a lookup that answers
// from the wrong chapter is caught. Cheap to make (no BigInt), so chapters
// can be made on demand.
import { Effect } from "effect"
import type { Geometry } from "@effect-uds/volume"

/** A 32-bit integer hash (a bijection), for names and for choosing lookups. */
export const mix = (n: number): number => {
  let x = Math.imul(n ^ (n >>> 16), 0x45d9f3b)
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  return (x ^ (x >>> 16)) >>> 0
}

// Names of the shared pool and of one chapter only live in different halves of word 0.
const SHARED = 0x80000000

const writeName = (view: DataView, offset: number, key: number): void => {
  view.setUint32(offset, mix(key), false)
  view.setUint32(offset + 4, mix(key ^ 0x5bd1e995), false)
  view.setUint32(offset + 8, mix(key ^ 0x1b873593), false)
  view.setUint32(offset + 12, mix(key ^ 0xcc9e2d51), false)
}

/** Every `SHARE`-th record of every chapter carries a name from the shared pool. */
export const SHARE = 4

const memo = new Map<string, Uint8Array>()

/**
 * The records of virtual chapter `vcn`: record i (i a multiple of SHARE) has
 * one of the pool's names, which every chapter holds, on a record page that
 * moves with the chapter; every other record's name is the chapter's own.
 * The data says which chapter and record it is. Names never repeat within a
 * chapter. Memoised: treat as read-only.
 */
export const dedupChapter = (geometry: Geometry.Geometry, vcn: number): Uint8Array => {
  const key = `${geometry.recordsPerChapter}/${vcn}`
  const cached = memo.get(key)
  if (cached !== undefined) return cached
  const count = geometry.recordsPerChapter
  const pool = Math.floor(count / SHARE)
  const records = new Uint8Array(count * 32)
  const view = new DataView(records.buffer)
  for (let i = 0; i < count; i++) {
    const shared = i % SHARE === 0 && i / SHARE < pool
    // Own names stay below SHARED while vcn × count < 2^31.
    writeName(view, i * 32, shared ? SHARED | ((i / SHARE + vcn) % pool) : vcn * count + i)
    view.setUint32(i * 32 + 16, vcn, true)
    view.setUint32(i * 32 + 20, i, true)
    view.setUint32(i * 32 + 24, mix(vcn * 31 + i), true)
    view.setUint32(i * 32 + 28, shared ? 0x5a5a5a5a : 0, true)
  }
  if (memo.size > 4096) memo.clear()
  memo.set(key, records)
  return records
}

/** Whether record `i` of a chapter carries a shared name. */
export const isShared = (geometry: Geometry.Geometry, i: number): boolean =>
  i % SHARE === 0 && i / SHARE < Math.floor(geometry.recordsPerChapter / SHARE)

/**
 * Gives the event loop a turn (a macrotask, not a microtask): Effect's own
 * yields run on microtasks for long stretches, during which vitest's worker
 * cannot answer its RPC. Long loops call this every few dozen steps.
 */
export const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
