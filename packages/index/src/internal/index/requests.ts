/**
 * One request in its zone (index.md §3): look the name up in the volume
 * index, confirm a hint in the chapter it names (the open chapter, the
 * writing chapter in memory, or the volume's closed chapter through
 * `Volume.lookup`), then do what the request type asks (§2.3): move a found
 * record to the open chapter (old data, or the new data for UPDATE), add a
 * new name, or forget one. Synchronous but for a volume lookup that must
 * wait for a read, and a chapter close: the answer itself when it needs
 * neither, else an Effect. The volume is asked synchronously first
 * (`tryLookup`: cached pages, or pages the device reads at once), so a
 * request that reads a page on the calling thread takes no Effect either,
 * and one that would read past the budget of synchronous reads waits for the
 * event loop to turn and runs again (WAIT_FOR_TURN).
 *
 * @internal
 */
import { Geometry } from "@effect-uds/volume"
import { NEEDS_LOOKUP } from "@effect-uds/volume/internal/volume/lookup"
import { Effect, Option } from "effect"
import type { IndexError } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"
import { NAME_BYTES } from "../openChapter/zone.js"
import { closeChapter } from "./chapterClose.js"
import type { Answer, Core, RequestType, Zone } from "./core.js"
import { fromVolume, statusFailure } from "./errors.js"

const { Status } = VolumeIndex

const NOT_FOUND: Answer = { found: false, oldData: Option.none(), location: "unavailable" }
const notFound = Effect.succeed(NOT_FOUND)

/** A request's end: its answer when done synchronously, else the Effect that finishes it. */
type Finished = Answer | Effect.Effect<Answer, IndexError>

/**
 * What a request gives when it needs a page read while the volume's budget
 * of synchronous reads is spent: it has done nothing yet, so run it again,
 * from the start, once the event loop has turned (`nextTurn`), when it reads
 * at once. Cheaper than the waiting path, which would make the zone busy
 * and send every request after it through the zone's inbox.
 */
export const WAIT_FOR_TURN: unique symbol = Symbol("WAIT_FOR_TURN")

/** A request's outcome: Finished, or WAIT_FOR_TURN. */
export type Outcome = Finished | typeof WAIT_FOR_TURN

const toEffect = (outcome: Finished): Effect.Effect<Answer, IndexError> =>
  Effect.isEffect(outcome) ? outcome : Effect.succeed(outcome)

/** Where a record found in `chapter` is, seen from the zone's window (§2.2). */
const locationOf = (core: Core, zone: Zone, chapter: number): Answer["location"] =>
  chapter === zone.newest
    ? "openChapter"
    : Geometry.isChapterSparse(core.geometry, zone.oldest, zone.newest, chapter)
    ? "sparse"
    : "dense"

/**
 * The record's data when `chapter` is held in memory (§3.1 steps 2–3): the
 * open chapter, or the writing chapter while it holds anything, whether or
 * not it reached the volume. `null` when it is not there, `undefined` when
 * the volume must be asked.
 */
const searchInMemory = (zone: Zone, name: Uint8Array, chapter: number): Uint8Array | null | undefined => {
  if (chapter === zone.newest) return zone.open.search(name, scratch) ? scratch.slice() : null
  if (zone.newest > 0 && chapter === zone.newest - 1 && zone.writing.size > 0) {
    return zone.writing.search(name, scratch) ? scratch.slice() : null
  }
  return undefined
}

// Where searches put the data they find; copied out only when found (all zones run on one thread).
const scratch = new Uint8Array(NAME_BYTES)

/** The data of `name` in closed chapter `chapter`, from the volume, waiting for reads. */
const lookUp = (core: Core, name: Uint8Array, chapter: number) =>
  Effect.mapBoth(core.volume.lookup(name, chapter), {
    onFailure: fromVolume,
    onSuccess: Option.getOrUndefined
  })

/**
 * The data of `name` in closed chapter `chapter` when the volume answers at
 * once (null: not there), its error, or NEEDS_LOOKUP: ask `lookUp`.
 */
const lookUpNow = (
  core: Core,
  name: Uint8Array,
  chapter: number
): Uint8Array | null | IndexError | typeof NEEDS_LOOKUP | typeof WAIT_FOR_TURN => {
  const sync = core.syncLookup
  if (sync === undefined) return NEEDS_LOOKUP
  const found = sync.tryLookup(name, chapter)
  if (typeof found === "number") return sync.mustYield() ? WAIT_FOR_TURN : NEEDS_LOOKUP
  return found === null || found instanceof Uint8Array ? found : fromVolume(found)
}

/** POST / UPDATE / QUERY / QUERY_NO_UPDATE once the name was resolved (§3 steps 3–8). */
const finish = (
  core: Core,
  zone: Zone,
  type: RequestType,
  name: Uint8Array,
  data: Uint8Array,
  oldData: Uint8Array | undefined
): Finished => {
  const record = zone.record
  const found = oldData !== undefined
  const answer: Answer = found
    ? { found, oldData: Option.some(oldData), location: locationOf(core, zone, record.virtualChapter) }
    : NOT_FOUND
  // A collision entry whose record is gone (dropped from its chapter index by an overflow).
  const overflowRecord = record.found && record.collision && !found
  let status: VolumeIndex.Status = Status.Ok
  if (found || overflowRecord) {
    if (type === "queryNoUpdate" || (type === "query" && overflowRecord)) return answer
    if (record.virtualChapter !== zone.newest) status = VolumeIndex.setChapter(core.volumeIndex, record, zone.newest)
    else if (type !== "update") return answer
  } else {
    if (type === "query" || type === "queryNoUpdate") return answer
    status = VolumeIndex.put(core.volumeIndex, record, zone.newest)
  }
  // An overflow drops the entry; the request still succeeds, the record is just not kept.
  if (status === Status.Overflow) return answer
  if (status !== Status.Ok) return Effect.fail(statusFailure(status, record))
  const remaining = zone.open.put(name, found && type !== "update" ? oldData : data)
  return remaining === 0 ? Effect.as(closeChapter(core, zone), answer) : answer
}

/** DELETE of a name whose entry was confirmed (or is a collision entry): the entry goes; an open-chapter record is marked deleted. */
const forget = (core: Core, zone: Zone, name: Uint8Array, oldData: Uint8Array | undefined): Finished => {
  const record = zone.record
  const chapter = record.virtualChapter
  const location = locationOf(core, zone, chapter)
  const status = VolumeIndex.remove(core.volumeIndex, record)
  if (status !== Status.Ok) return Effect.fail(statusFailure(status, record))
  if (chapter === zone.newest) zone.open.remove(name)
  return { found: true, oldData: oldData === undefined ? Option.none() : Option.some(oldData), location }
}

/**
 * Processes one request in its zone (the zone's fiber is the only one
 * touching the zone, and it finishes this request before taking another, so
 * the zone's record handle stays this request's across a volume read).
 */
export const processRequest = (
  core: Core,
  zone: Zone,
  type: RequestType,
  name: Uint8Array,
  data: Uint8Array
): Outcome => {
  const record = zone.record
  const status = VolumeIndex.get(core.volumeIndex, name, record)
  if (status !== Status.Ok) return Effect.fail(statusFailure(status, record))
  if (type === "delete") {
    if (!record.found) return NOT_FOUND
    // A collision entry is exact: no chapter read.
    if (record.collision) return forget(core, zone, name, undefined)
    const inMemory = searchInMemory(zone, name, record.virtualChapter)
    if (inMemory === null) return NOT_FOUND
    if (inMemory !== undefined) return forget(core, zone, name, inMemory)
    const now = lookUpNow(core, name, record.virtualChapter)
    if (now === null) return NOT_FOUND
    if (now instanceof Uint8Array) return forget(core, zone, name, now)
    if (now === WAIT_FOR_TURN) return now
    if (now !== NEEDS_LOOKUP) return Effect.fail(now)
    return Effect.flatMap(
      lookUp(core, name, record.virtualChapter),
      (oldData) => (oldData === undefined ? notFound : toEffect(forget(core, zone, name, oldData)))
    )
  }
  if (!record.found) return finish(core, zone, type, name, data, undefined)
  const inMemory = searchInMemory(zone, name, record.virtualChapter)
  if (inMemory !== undefined) return finish(core, zone, type, name, data, inMemory ?? undefined)
  const now = lookUpNow(core, name, record.virtualChapter)
  if (now === null || now instanceof Uint8Array) return finish(core, zone, type, name, data, now ?? undefined)
  if (now === WAIT_FOR_TURN) return now
  if (now !== NEEDS_LOOKUP) return Effect.fail(now)
  return Effect.flatMap(
    lookUp(core, name, record.virtualChapter),
    (oldData) => toEffect(finish(core, zone, type, name, data, oldData))
  )
}
