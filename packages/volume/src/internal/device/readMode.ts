/**
 * The file device's choice, read by read, between reading on the calling
 * thread and through libuv's thread pool (the default of `layerFile`).
 *
 * A read of a page the OS has cached costs a few microseconds on the calling
 * thread and tens through the thread pool; a read the disk must serve blocks
 * the calling thread, and so the whole process, for as long as the disk
 * takes. So: read synchronously while synchronous reads are fast, timing
 * each one; when one is very slow, or their moving average is slow, read
 * asynchronously for a while, then try one synchronous read again (a probe).
 * A fast probe switches back; a slow one doubles the wait before the next.
 *
 * @internal
 */
import type { AdaptiveReadOptions } from "../../BlockDevice.js"

/** The default moving average of a synchronous read above which reads go asynchronous, in µs. */
export const DEFAULT_SLOW_READ_MICROS = 50
/** The default wait before the first probe after switching to asynchronous reads, in ms. */
export const DEFAULT_RETRY_AFTER_MILLIS = 20

// A single read this many times the slow threshold switches at once (1 ms by default).
const SINGLE_READ_FACTOR = 20
// The wait before a probe doubles after each slow probe, up to this many times the first wait.
const MAX_BACKOFF = 64
// Weight of the newest read in the moving average.
const AVERAGE_WEIGHT = 1 / 8

/** The read mode of one device. */
export interface ReadMode {
  /** Whether the next read should be made on the calling thread (in the asynchronous state: whether a probe is due). */
  readonly syncNow: () => boolean
  /** The time a synchronous read starts, to pass to `ended` when it ends (no closure per read). */
  readonly started: () => number
  /** Records a synchronous read that began at `startedAt`. */
  readonly ended: (startedAt: number) => void
}

/** A read mode that never changes. */
export const fixedMode = (sync: boolean): ReadMode => ({
  syncNow: () => sync,
  started: () => 0,
  ended: () => {}
})

/** The adaptive read mode, starting synchronous. */
export const adaptiveMode = (options: AdaptiveReadOptions = {}): ReadMode => {
  const clock = options.clock ?? (() => performance.now())
  const slowMs = (options.slowReadMicros ?? DEFAULT_SLOW_READ_MICROS) / 1000
  const retryMs = options.retryAfterMillis ?? DEFAULT_RETRY_AFTER_MILLIS
  let sync = true
  let averageMs = 0
  let backoff = 1
  let probeAt = 0

  const goAsync = (now: number) => {
    sync = false
    probeAt = now + retryMs * backoff
    backoff = Math.min(backoff * 2, MAX_BACKOFF)
  }

  const record = (startedAt: number, endedAt: number) => {
    const took = endedAt - startedAt
    if (!sync) {
      // A probe: fast enough brings synchronous reads back.
      if (took <= slowMs) {
        sync = true
        averageMs = took
        backoff = 1
      } else {
        goAsync(endedAt)
      }
      return
    }
    averageMs += (took - averageMs) * AVERAGE_WEIGHT
    if (took > slowMs * SINGLE_READ_FACTOR || averageMs > slowMs) goAsync(endedAt)
  }

  return {
    syncNow: () => sync || clock() >= probeAt,
    started: clock,
    ended: (startedAt) => record(startedAt, clock())
  }
}
