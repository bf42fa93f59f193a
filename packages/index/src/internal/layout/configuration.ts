/**
 * The configuration record (geometry.md §8, layout.md §3): written in its
 * "06.02" form (50 bytes) or "08.02" form (66 bytes, with the remapping),
 * and compared with the caller's configuration when an index is loaded.
 * Reading is the volume package's `IndexLayout.parse`.
 *
 * @internal
 */
import { IndexLayout } from "@effect-uds/volume"
import type { IndexConfig } from "../../IndexConfig.js"

/** The record a configuration stores: "06.02" for a version 3 super block, "08.02" for version 7. */
export const configurationOf = (config: IndexConfig, version: "06.02" | "08.02"): IndexLayout.Configuration => ({
  version,
  bytesPerPage: config.geometry.bytesPerPage,
  recordPagesPerChapter: config.geometry.recordPagesPerChapter,
  chaptersPerVolume: config.geometry.chaptersPerVolume,
  sparseChaptersPerVolume: config.geometry.sparseChaptersPerVolume,
  remappedVirtual: config.geometry.remappedVirtual,
  remappedPhysical: config.geometry.remappedPhysical,
  cacheChapters: config.cacheChapters,
  volumeIndexMeanDelta: config.volumeIndexMeanDelta,
  sparseSampleRate: config.sparseSampleRate,
  userNonce: config.nonce
})

/** The configuration block: the record, then zeros to the end of the block. */
export const encodeConfiguration = (configuration: IndexLayout.Configuration): Uint8Array => {
  const block = new Uint8Array(IndexLayout.BLOCK_SIZE)
  const view = new DataView(block.buffer)
  block.set(new TextEncoder().encode(`ALBIC${configuration.version}`), 0)
  view.setUint32(10, configuration.recordPagesPerChapter, true)
  view.setUint32(14, configuration.chaptersPerVolume, true)
  view.setUint32(18, configuration.sparseChaptersPerVolume, true)
  view.setUint32(22, configuration.cacheChapters, true)
  view.setUint32(30, configuration.volumeIndexMeanDelta, true)
  view.setUint32(34, configuration.bytesPerPage, true)
  view.setUint32(38, configuration.sparseSampleRate, true)
  view.setBigUint64(42, configuration.userNonce, true)
  if (configuration.version === "08.02") {
    view.setBigUint64(50, BigInt(configuration.remappedVirtual), true)
    view.setBigUint64(58, BigInt(configuration.remappedPhysical), true)
  }
  return block
}

// The fields the reference compares on load (geometry.md §5); the remapping is
// not among them: the stored one is taken.
const COMPARED = [
  ["recordPagesPerChapter", "record pages per chapter"],
  ["chaptersPerVolume", "chapters per volume"],
  ["sparseChaptersPerVolume", "sparse chapters per volume"],
  ["cacheChapters", "cache chapters"],
  ["volumeIndexMeanDelta", "volume index mean delta"],
  ["bytesPerPage", "bytes per page"],
  ["sparseSampleRate", "sparse sample rate"],
  ["userNonce", "nonce"]
] as const

/** Each field where the stored record differs from what the caller's configuration would store. */
export const mismatches = (stored: IndexLayout.Configuration, config: IndexConfig): ReadonlyArray<string> => {
  const expected = configurationOf(config, stored.version)
  return COMPARED.flatMap(([field, name]) =>
    stored[field] === expected[field] ? [] : [`${name} is ${stored[field]}, the configuration says ${expected[field]}`]
  )
}
