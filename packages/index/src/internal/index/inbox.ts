/**
 * A zone's inbox (index.md §5.3): its requests and announcements in order,
 * in a plain array the zone's fiber empties a burst at a time. Requests are
 * bounded: past `bound` admitted and not yet taken, a request waits outside
 * (in order) and is admitted when the zone takes one; announcements are
 * never refused, so a zone never blocks announcing. No Effect per message:
 * the fiber is woken once when the inbox goes from empty to not empty.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RequestMessage, ZoneMessage } from "./core.js"

/** A FIFO over an array, compacted once its taken head is large. */
class Fifo<A> {
  private items: Array<A | undefined> = []
  private head = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(item: A): void {
    this.items.push(item)
  }

  unshift(item: A): void {
    if (this.head > 0) this.items[--this.head] = item
    else this.items.unshift(item)
  }

  shift(): A | undefined {
    if (this.head === this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items.length = 0
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}

export class Inbox {
  private readonly messages = new Fifo<ZoneMessage>()
  private readonly waiting = new Fifo<RequestMessage>()
  private admitted = 0
  private wake: (() => void) | undefined = undefined

  constructor(
    private readonly bound: number,
    /** Called for each message put in the inbox (the index counts them pending). */
    private readonly onEnter: () => void
  ) {}

  private enter(message: ZoneMessage, first = false): void {
    this.onEnter()
    if (first) this.messages.unshift(message)
    else this.messages.push(message)
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  /** Puts an announcement in; never refused. */
  announce(message: ZoneMessage): void {
    this.enter(message)
  }

  /** Puts a request in, or makes it wait outside when the inbox is full; true when it is in. */
  offer(message: RequestMessage): boolean {
    if (this.admitted < this.bound) {
      this.admit(message)
      return true
    }
    this.waiting.push(message)
    return false
  }

  /**
   * Puts a request first, beyond the bound: one a caller began serving
   * itself, whose rest the zone's fiber must take before anything else.
   */
  offerFirst(message: RequestMessage): void {
    this.admit(message, true)
  }

  private admit(message: RequestMessage, first = false): void {
    message.admitted = true
    this.admitted++
    this.enter(message, first)
  }

  /** The next message, admitting a waiting request in the freed place. */
  take(): ZoneMessage | undefined {
    const message = this.messages.shift()
    if (message?._tag === "request") {
      this.admitted--
      for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
        if (next.cancelled) continue
        this.admit(next)
        break
      }
    }
    return message
  }

  /** Completes once the inbox holds a message (the zone's fiber is the only one waiting). */
  readonly ready: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.messages.size > 0) return resume(Effect.void)
    this.wake = () => resume(Effect.void)
    return Effect.sync(() => {
      this.wake = undefined
    })
  })
}
