// A vitest setup file: the event loop gets a turn at least every few dozen
// milliseconds, however long the tests keep Effect busy.
//
// Effect runs fibers on microtasks and falls back to a timer only after a long
// run of yields by the same fiber; fibers that wake each other (a lookup and a
// reader fiber, over a memory device) start afresh each time, so a whole test
// file can run without one macrotask. Timers and I/O then wait, vitest's
// worker cannot read the answers to its RPC calls, and on a busy machine the
// 60 s RPC deadline passes ("Timeout calling onTaskUpdate"). So: once the
// event loop has not turned for TURN_MS, scheduled fiber work waits for
// setImmediate, which lets the loop run its timers and I/O first. Only the
// moment a fiber resumes changes, never what it does.
import { Scheduler } from "effect"

const TURN_MS = 25

let lastTurn = performance.now()
// Fires only when the event loop turns: the time of its last turn.
setInterval(() => {
  lastTurn = performance.now()
}, 5).unref()

const scheduler = Scheduler.defaultScheduler as { scheduleTask: Scheduler.Scheduler["scheduleTask"] }
const scheduleNow = scheduler.scheduleTask.bind(Scheduler.defaultScheduler)

// Tasks waiting for the next turn, in the order they were scheduled: while any
// wait, later ones wait behind them, so fibers run in the same order as without this.
const waiting: Array<() => void> = []
const runWaiting = () => {
  for (const schedule of waiting.splice(0)) schedule()
}

scheduler.scheduleTask = (task, priority, fiber) => {
  if (waiting.length === 0 && performance.now() - lastTurn < TURN_MS) return scheduleNow(task, priority, fiber)
  waiting.push(() => scheduleNow(task, priority, fiber))
  if (waiting.length === 1) setImmediate(runWaiting)
}
