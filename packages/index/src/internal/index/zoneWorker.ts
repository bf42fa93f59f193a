/**
 * A zone's fiber (index.md §5.3–§5.4): it takes the zone's messages one at
 * a time, in order, and is the only fiber that touches the zone's state. A
 * request's answer goes to the caller's Deferred; a caller that stopped
 * waiting changes nothing, the request is finished all the same. A failed
 * request disables the index (§12.4).
 *
 * @internal
 */
import { Effect, Exit, Queue } from "effect"
import { closeChapter } from "./chapterClose.js"
import type { Core, RequestMessage, Zone, ZoneMessage } from "./core.js"
import { count } from "./counters.js"
import { processRequest } from "./requests.js"

const handleRequest = (core: Core, zone: Zone, message: RequestMessage): Effect.Effect<void> =>
  Effect.zipRight(
    zone.permits.release(1),
    Effect.flatMap(Effect.exit(processRequest(core, zone, message.type, message.name, message.data)), (exit) =>
      Effect.sync(() => {
        core.needToSave = true
        if (Exit.isSuccess(exit)) count(core.counters, message.type, exit.value)
        else core.disabled ??= `a ${message.type} request failed`
        core.inFlight--
        message.done(exit)
      }))
  )

const handle = (core: Core, zone: Zone, message: ZoneMessage): Effect.Effect<void> =>
  (message._tag === "request"
    ? handleRequest(core, zone, message)
    : zone.newest === message.chapter
    ? Effect.catchAll(
      closeChapter(core, zone),
      (error) => Effect.logWarning(`zone ${zone.id} could not close chapter ${message.chapter}: ${error.message}`)
    )
    : Effect.void).pipe(
      Effect.ensuring(Effect.sync(() => {
        core.pendingMessages--
        core.changed.notify()
      }))
    )

/** Messages taken at once: one wake-up serves a burst of requests. */
const BATCH = 64

/** The zone's loop, to fork into the index's scope. */
export const runZone = (core: Core, zone: Zone): Effect.Effect<never> =>
  Effect.forever(
    Effect.flatMap(
      Queue.takeBetween(zone.inbox, 1, BATCH),
      (messages) => Effect.forEach(messages, (message) => handle(core, zone, message), { discard: true })
    )
  )
