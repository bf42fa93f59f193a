/**
 * A zone's fiber (index.md §5.3–§5.4): it takes the zone's messages in
 * order and is the only fiber that touches the zone's state. It serves a
 * burst of messages synchronously; a request that would read past the
 * volume's budget of synchronous reads is served first after the event loop
 * turns; only a request that must wait for a volume read or a chapter close,
 * and an announcement that closes a chapter, go through Effect. A request's
 * answer goes to its caller's callback; a caller that stopped waiting changes
 * nothing, the request is finished all the same. A failed request disables
 * the index (§12.4).
 *
 * @internal
 */
import { Effect, Exit } from "effect"
import type { IndexError } from "../../IndexError.js"
import { closeChapter } from "./chapterClose.js"
import type { Answer, Core, RequestMessage, Zone } from "./core.js"
import { count } from "./counters.js"
import { processRequest, WAIT_FOR_TURN } from "./requests.js"

/** Ends a request: counted, its caller answered, no longer in flight or pending. */
const complete = (core: Core, message: RequestMessage, exit: Exit.Exit<Answer, IndexError>): void => {
  core.needToSave = true
  if (Exit.isSuccess(exit)) count(core.counters, message.type, exit.value)
  else core.disabled ??= `a ${message.type} request failed`
  core.inFlight--
  core.pendingMessages--
  message.done(exit)
  core.changed.notify()
}

const handled = (core: Core): void => {
  core.pendingMessages--
  core.changed.notify()
}

/** Messages served in one synchronous burst before the fiber lets others run. */
const BURST = 256

/**
 * Serves the inbox's messages until it is empty or a burst is done; a
 * message that needs Effect is run, then serving goes on.
 */
const serve = (core: Core, zone: Zone, first?: RequestMessage): Effect.Effect<void> => {
  for (let served = 0; served < BURST; served++) {
    const message = first ?? zone.inbox.take()
    first = undefined
    if (message === undefined) return Effect.void
    if (message._tag === "announce") {
      if (zone.newest !== message.chapter) {
        handled(core)
        continue
      }
      zone.busy = true
      return closeChapter(core, zone).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning(`zone ${zone.id} could not close chapter ${message.chapter}: ${error.message}`)
        ),
        Effect.ensuring(Effect.sync(() => {
          zone.busy = false
          handled(core)
        })),
        Effect.zipRight(Effect.suspend(() => serve(core, zone)))
      )
    }
    const outcome = message.pending ?? processRequest(core, zone, message.type, message.name, message.data)
    // Nothing done yet: served first once the event loop turns; meanwhile the zone is free.
    if (outcome === WAIT_FOR_TURN) {
      return Effect.zipRight(core.syncLookup!.nextTurn, Effect.suspend(() => serve(core, zone, message)))
    }
    if (!Effect.isEffect(outcome)) {
      complete(core, message, Exit.succeed(outcome))
      continue
    }
    zone.busy = true
    return Effect.exit(outcome).pipe(
      Effect.flatMap((exit) => {
        zone.busy = false
        complete(core, message, exit)
        return serve(core, zone)
      })
    )
  }
  return Effect.yieldNow()
}

/** The zone's loop, to fork into the index's scope. */
export const runZone = (core: Core, zone: Zone): Effect.Effect<never> =>
  Effect.forever(Effect.zipRight(zone.inbox.ready, Effect.suspend(() => serve(core, zone))))
