/**
 * The state of a running index (index.md §1): the volume and its page map,
 * the volume index, the zones (each an open and a writing chapter, a window
 * and an inbox), the index-level window the chapter writer advances, the
 * save flags and the session's counters. Plain mutable fields: each zone's
 * fields are changed only by its fiber, the writer's only by the writer.
 *
 * @internal
 */
import type { Geometry, IndexPageMap, Volume } from "@effect-uds/volume"
import type { SyncLookup } from "@effect-uds/volume/internal/volume/lookup"
import type { Effect, Either, Exit, Queue } from "effect"
import type { Result } from "../../IndexService.js"
import type { IndexConfig } from "../../IndexConfig.js"
import type { CorruptData, IndexError } from "../../IndexError.js"
import * as VolumeIndex from "../../VolumeIndex.js"
import type { Layout } from "../layout/layout.js"
import type { SaveSlot } from "../layout/saveSlot.js"
import { makeZones, NAME_BYTES, type OpenChapterZone } from "../openChapter/zone.js"
import type { Counters } from "./counters.js"
import type { Inbox } from "./inbox.js"
import type { Signal } from "./signal.js"

/** The five request types (the reference's numbering is irrelevant here). */
export type RequestType = "post" | "update" | "query" | "queryNoUpdate" | "delete"

/** What a zone answers: the caller's Index.Result. */
export type Answer = Result

/** A request on its way through a zone. */
export interface RequestMessage {
  readonly _tag: "request"
  readonly type: RequestType
  readonly name: Uint8Array
  readonly data: Uint8Array
  /** Completes the caller's wait; a caller that stopped waiting ignores it. */
  done: (exit: Exit.Exit<Answer, IndexError>) => void
  /** In the inbox (then the zone's: an interrupted caller only stops waiting). */
  admitted: boolean
  /** Its caller was interrupted while it waited outside a full inbox: the zone skips it. */
  cancelled: boolean
  /** The rest of a request its caller began itself (a volume read or a chapter close): the zone runs it. */
  readonly pending: Effect.Effect<Answer, IndexError> | undefined
}

/** ANNOUNCE_CHAPTER_CLOSED(chapter) from the first zone to close it (index.md §5.2). */
export interface AnnounceMessage {
  readonly _tag: "announce"
  readonly chapter: number
}

export type ZoneMessage = RequestMessage | AnnounceMessage

/** One zone: its chapters, its window, its volume index record handle and its inbox. */
export interface Zone {
  readonly id: number
  open: OpenChapterZone
  writing: OpenChapterZone
  oldest: number
  /** The zone's open chapter. */
  newest: number
  readonly record: VolumeIndex.Record
  /** Requests and announcements, in order; requests bounded, announcements never refused. */
  readonly inbox: Inbox
  /**
   * A request or chapter close of the zone is under way through Effect (a
   * volume read, a chapter close) or handed to the zone's fiber to finish:
   * until it ends nothing else touches the zone. When false, the zone's
   * fiber is idle or between bursts, and a caller may serve its own request.
   */
  busy: boolean
  /**
   * Where a caller that serves its own request copies its name and data:
   * held by that request until it is answered (the zone takes no other
   * meanwhile), so a caller that stops waiting cannot change them.
   */
  readonly name: Uint8Array
  readonly data: Uint8Array
}

/** Reads and writes of the index's device, at byte offsets from the super block. */
export interface IndexDevice {
  readonly read: (offset: number, length: number) => Effect.Effect<Uint8Array, IndexError>
  readonly write: (offset: number, bytes: Uint8Array) => Effect.Effect<void, IndexError>
  readonly flush: Effect.Effect<void, IndexError>
}

export interface Core {
  readonly config: IndexConfig
  readonly geometry: Geometry.Geometry
  readonly layout: Layout
  readonly device: IndexDevice
  readonly volume: Volume.Service
  /** The volume's synchronous lookup entry, when it has one (a volume of Volume.make does). */
  readonly syncLookup: SyncLookup | undefined
  readonly pageMap: IndexPageMap.Service
  volumeIndex: VolumeIndex.VolumeIndex
  readonly zones: ReadonlyArray<Zone>
  /** Index-level window: `newest` is the chapter the writer writes next. */
  oldest: number
  newest: number
  /** Zones that have handed in chapter `newest`. */
  handedIn: number
  /** Chapters handed to the writer, all zones in. */
  readonly writerInbox: Queue.Queue<number>
  /** Chapters handed to the writer and not yet written. */
  chaptersPending: number
  /** A save is writing: the writer waits, so the save matches the volume. */
  saving: boolean
  /** The last chapter write's failure, if it failed. */
  writeError: IndexError | undefined
  /** Woken whenever a chapter is written, a message is done or a request ends. */
  readonly changed: Signal
  /** Requests launched and not yet answered, and zone messages not yet handled. */
  inFlight: number
  pendingMessages: number
  needToSave: boolean
  hasSavedOpenChapter: boolean
  /** The newest closed chapter the last save covers, or NO_LAST_SAVE. */
  lastSave: bigint
  /** The page map's last update as the reference keeps it: the newest chapter written or replayed. */
  pageMapLastUpdate: number
  /** The save slots as last read or written. */
  slots: Array<Either.Either<SaveSlot, CorruptData>>
  /** Why the index refuses requests (a request failed), if it does. */
  disabled: string | undefined
  closing: boolean
  readonly counters: Counters
  /** The chapter writer's collation buffers, reused from chapter to chapter. */
  readonly collation: { readonly records: Uint8Array; readonly indexed: Uint8Array }
}

/** Zones of a configuration: empty chapters at chapter 0. */
export const makeZoneStates = (
  geometry: Geometry.Geometry,
  zoneCount: number,
  inboxes: ReadonlyArray<Inbox>
): Array<Zone> => {
  const open = makeZones(geometry.recordsPerChapter, zoneCount)
  const writing = makeZones(geometry.recordsPerChapter, zoneCount)
  return open.map((chapter, id) => ({
    id,
    open: chapter,
    writing: writing[id]!,
    oldest: 0,
    newest: 0,
    record: VolumeIndex.makeRecord(),
    inbox: inboxes[id]!,
    busy: false,
    name: new Uint8Array(NAME_BYTES),
    data: new Uint8Array(NAME_BYTES)
  }))
}

/** Nothing in flight: no request, no zone message, no chapter waiting for the writer, no save. */
export const isQuiet = (core: Core): boolean =>
  core.inFlight === 0 && core.pendingMessages === 0 && core.chaptersPending === 0 && !core.saving
