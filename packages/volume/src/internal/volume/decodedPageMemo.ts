/**
 * Decoded index pages remembered by physical page, so a page read again
 * with the same bytes is not decoded again. Decoding is a pure function of
 * the bytes (for one geometry and nonce), and an entry is used only when the
 * new bytes equal the ones it was decoded from, so the memo never changes an
 * answer; it only saves the walk of every list that decoding does (tens of
 * microseconds a page), which dominates cold lookups whose index pages keep
 * being evicted and read back.
 *
 * @internal
 */
import type { IndexPage } from "../../ChapterIndex.js"

/** Whether two byte arrays hold the same bytes (a native memcmp). */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0

/** At most `capacity` decoded pages, the oldest remembered dropped first. */
export class DecodedPageMemo {
  private readonly pages = new Map<number, IndexPage>()

  constructor(private readonly capacity: number) {}

  /** The page decoded earlier from exactly these bytes at this physical page, if remembered. */
  find(physicalPage: number, bytes: Uint8Array): IndexPage | undefined {
    const page = this.pages.get(physicalPage)
    return page !== undefined && sameBytes(page.bytes, bytes) ? page : undefined
  }

  /** Remembers a page decoded from its `bytes`, replacing what was remembered for that physical page. */
  remember(physicalPage: number, page: IndexPage): void {
    if (this.capacity === 0) return
    // Deleting first moves a replaced entry to the newest end of the insertion order.
    this.pages.delete(physicalPage)
    this.pages.set(physicalPage, page)
    if (this.pages.size > this.capacity) this.pages.delete(this.pages.keys().next().value!)
  }
}
