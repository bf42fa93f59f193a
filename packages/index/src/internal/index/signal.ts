/**
 * A condition variable for fibers: `notify` wakes every fiber waiting in
 * `waitUntil`, which then checks its condition again. The index's state is
 * plain mutable fields touched by one fiber at a time (JavaScript runs one
 * thing at a time), so this is all the synchronisation it needs. `notify`
 * with nobody waiting costs nothing (it runs after every request).
 *
 * @internal
 */
import { Deferred, Effect, Exit, FiberId } from "effect"

export class Signal {
  private current: Deferred.Deferred<void> | undefined = undefined

  /** Wakes every waiter. */
  notify(): void {
    const woken = this.current
    if (woken === undefined) return
    this.current = undefined
    Deferred.unsafeDone(woken, Exit.void)
  }

  /** Completes once `condition()` holds, checking it after every `notify`. */
  waitUntil(condition: () => boolean): Effect.Effect<void> {
    return this.whenReady(condition, () => Effect.void)
  }

  /**
   * Runs `then()` once `condition()` holds, in the same synchronous step as
   * the check, so nothing can change the state in between.
   */
  whenReady<A, E>(condition: () => boolean, then: () => Effect.Effect<A, E>): Effect.Effect<A, E> {
    const wait: Effect.Effect<A, E> = Effect.suspend(() => {
      if (condition()) return then()
      this.current ??= Deferred.unsafeMake<void>(FiberId.none)
      return Effect.zipRight(Deferred.await(this.current), wait)
    })
    return wait
  }
}
