// The fairness check beside W3: a fiber ticking every 1 ms, and the longest gap it saw between ticks.
import { Effect, Fiber } from "effect"
import { now } from "./benchVolume.js"

/** Runs `effect` with a 1 ms timer fiber beside it; gives its result and the worst gap between ticks, in ms. */
export const withTimerGap = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly result: A; readonly worstGapMs: number }, E, R> =>
  Effect.gen(function*() {
    let worst = 0
    let last = now()
    const ticker = yield* Effect.fork(Effect.forever(Effect.zipRight(
      Effect.sleep("1 millis"),
      Effect.sync(() => {
        const at = now()
        worst = Math.max(worst, at - last)
        last = at
      })
    )))
    const result = yield* Effect.ensuring(effect, Fiber.interrupt(ticker))
    // The stretch since the last tick counts too.
    return { result, worstGapMs: Math.max(worst, now() - last) }
  })
