// Locates the golden vectors (../shared/vectors, or $UDS_VECTORS) and reads them.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Geometry } from "@effect-uds/volume"

export const vectorsDir: string = process.env["UDS_VECTORS"] ?? path.resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../shared/vectors")

/** Whether the golden vectors are present; the reason to print when not. */
export const vectorsPresent: boolean = fs.existsSync(path.join(vectorsDir, "README.md"))
export const skipReason = `golden vectors not found at ${vectorsDir} (set UDS_VECTORS)`

/** The geometry block of a meta.json, with its snake_case names. */
export interface MetaGeometry {
  readonly bytes_per_page: number
  readonly record_pages_per_chapter: number
  readonly chapters_per_volume: number
  readonly sparse_chapters_per_volume: number
  readonly remapped_virtual: number
  readonly remapped_physical: number
  readonly [field: string]: number
}

export interface VolumeMeta {
  readonly name: string
  readonly geometry: MetaGeometry
  readonly volume_nonce: string
  readonly seed: number
  readonly virtual_chapters_written: { readonly first: number; readonly last: number }
  readonly find_volume_chapter_boundaries: { readonly lowest: number; readonly highest: number; readonly is_empty: boolean }
  readonly physical_chapter_vcn: ReadonlyArray<number | null>
  readonly [field: string]: unknown
}

/** The volume vectors (those with a volume.bin). */
export const volumeVectorNames: ReadonlyArray<string> = vectorsPresent
  ? fs.readdirSync(vectorsDir).filter((name) => fs.existsSync(path.join(vectorsDir, name, "volume.bin"))).sort()
  : []

/** Every vector directory with a meta.json holding a geometry. */
export const geometryVectorNames: ReadonlyArray<string> = vectorsPresent
  ? fs.readdirSync(vectorsDir).filter((name) => {
    const file = path.join(vectorsDir, name, "meta.json")
    return fs.existsSync(file) && "geometry" in JSON.parse(fs.readFileSync(file, "utf8"))
  }).sort()
  : []

export const readMeta = (name: string): VolumeMeta =>
  JSON.parse(fs.readFileSync(path.join(vectorsDir, name, "meta.json"), "utf8")) as VolumeMeta

export const readVectorFile = (...parts: ReadonlyArray<string>): Uint8Array =>
  new Uint8Array(fs.readFileSync(path.join(vectorsDir, ...parts)))

/** The geometry a meta.json describes, made with Geometry.make. */
export const geometryOf = (meta: { readonly geometry: MetaGeometry }): Geometry.Geometry =>
  Effect.runSync(Geometry.make({
    bytesPerPage: meta.geometry.bytes_per_page,
    recordPagesPerChapter: meta.geometry.record_pages_per_chapter,
    chaptersPerVolume: meta.geometry.chapters_per_volume,
    sparseChaptersPerVolume: meta.geometry.sparse_chapters_per_volume,
    remappedVirtual: meta.geometry.remapped_virtual,
    remappedPhysical: meta.geometry.remapped_physical
  }))
