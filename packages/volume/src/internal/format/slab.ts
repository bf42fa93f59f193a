/**
 * Memory for decoded index pages, carved from shared 64 KiB blocks: a fresh
 * ArrayBuffer costs about 1.5 µs whatever its size, as much as decoding a
 * small page. A block is freed when every page carved from it is gone, so a
 * long-lived page keeps at most one block alive; pages carved together are
 * decoded together and usually evicted together.
 *
 * @internal
 */

const BLOCK_BYTES = 64 * 1024
/** Requests above this get an ArrayBuffer of their own, so a block is never mostly one page. */
const LARGEST_CARVED = BLOCK_BYTES / 4

let block = new ArrayBuffer(BLOCK_BYTES)
let used = 0

/** Where a carved piece of memory is: zeroed, never handed out before, 8-byte aligned. */
export interface Piece {
  readonly buffer: ArrayBuffer
  readonly offset: number
}

/** A zeroed piece of `bytes` bytes. */
export const carve = (bytes: number): Piece => {
  if (bytes > LARGEST_CARVED) return { buffer: new ArrayBuffer(bytes), offset: 0 }
  if (used + bytes > BLOCK_BYTES) {
    block = new ArrayBuffer(BLOCK_BYTES)
    used = 0
  }
  const piece = { buffer: block, offset: used }
  used += (bytes + 7) & ~7
  return piece
}
