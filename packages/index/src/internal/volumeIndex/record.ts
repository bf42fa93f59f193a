/**
 * The record handle of the volume index (volume-index.md §5): what a get
 * found, and where in its list, so put / setChapter / remove act there
 * without searching again. Reused by its owner: one per request stream.
 *
 * @internal
 */
import { DeltaCursor, type DeltaZone } from "../delta/deltaZone.js"
import type { SubIndex } from "./subIndex.js"

/** A record handle; valid until the next change to the same delta list. */
export class VolumeIndexRecord extends DeltaCursor {
  /** Whether the name has a live entry (for an ordinary entry only a hint). */
  found = false
  /** The virtual chapter of the entry found (or put). */
  virtualChapter = 0
  /** The zone that owns the name's list. */
  zone = 0
  /** Why the last operation failed, when it did. */
  problem = ""
  /** @internal The sub-index, zone and list of the name. */
  sub: SubIndex | undefined = undefined
  /** @internal */
  deltaZone: DeltaZone | undefined = undefined
  /** @internal The list number in the sub-index and the name's address. */
  globalList = 0
  /** @internal */
  address = 0
  /** @internal The name of the last get (not copied: the caller keeps it until the put). */
  name: Uint8Array | undefined = undefined
}
