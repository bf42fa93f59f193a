// Helpers for tests of the whole index: a tiny configuration, a memory device
// of the right size, seed-1 records, and opening an index for one program.
import { Index, IndexConfig } from "@effect-uds/index"
import { BlockDevice } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"
import { Effect } from "effect"

export const tinyConfig = (options: Partial<IndexConfig.Options> = {}) =>
  Effect.runSync(IndexConfig.make({ memorySize: "tiny", readThreads: 1, ...options }))

/** A zeroed buffer holding the whole index of `config`. */
export const deviceBytes = (config: IndexConfig.IndexConfig): Uint8Array =>
  new Uint8Array(config.offset + IndexConfig.indexSize(config))

/** Runs `program` with an index open over `bytes` (shared, not copied); closing it saves. */
export const withIndex = <A, E>(
  config: IndexConfig.IndexConfig,
  bytes: Uint8Array,
  options: Index.Options,
  program: (index: Index.Service) => Effect.Effect<A, E>
) =>
  Effect.scoped(
    Effect.flatMap(Index.make(config, options), program)
  ).pipe(Effect.provide(BlockDevice.layerMemory({ bytes })))

/** The data the vectors post with record k: le64(k) ‖ le64(0). */
export const dataOf = (k: number): Uint8Array => {
  const data = new Uint8Array(16)
  new DataView(data.buffer).setBigUint64(0, BigInt(k), true)
  return data
}

/** The seed-1 names k = 0 … count − 1, packed. */
export const seedNames = (count: number, seed = 1): Uint8Array => {
  const names = new Uint8Array(count * 16)
  const stream = RecordGenerator.splitMix64(seed)
  for (let k = 0; k < count; k++) RecordGenerator.nextName(stream, names, k * 16)
  return names
}

export const nameAt = (names: Uint8Array, k: number): Uint8Array => names.subarray(k * 16, k * 16 + 16)

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

