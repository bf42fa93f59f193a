/**
 * A device that reads an index file but never writes it: writes go to an
 * in-memory overlay of 4096-byte blocks, and reads see them. Read-only
 * commands open a whole index through it, so that whatever the index writes
 * while loading, rebuilding or saving at close stays in memory and the file
 * is left exactly as it was.
 *
 * @since 0.1.0
 */
import { BlockDevice } from "@effect-uds/volume"
import { Effect, Layer } from "effect"

const BLOCK = 4096

/** The overlay over the device provided beneath it. */
export const layerOverlay: Layer.Layer<BlockDevice.BlockDevice, never, BlockDevice.BlockDevice> = Layer.effect(
  BlockDevice.BlockDevice,
  Effect.map(BlockDevice.BlockDevice, (base): BlockDevice.Service => {
    const written = new Map<number, Uint8Array>()
    // The block `index`, from the overlay, else read from the base into a fresh overlay block.
    const blockForWrite = (index: number, whole: boolean) =>
      Effect.suspend(() => {
        const held = written.get(index)
        if (held !== undefined) return Effect.succeed(held)
        if (whole) {
          const block = new Uint8Array(BLOCK)
          written.set(index, block)
          return Effect.succeed(block)
        }
        const length = Math.min(BLOCK, base.size - index * BLOCK)
        return Effect.map(base.read(index * BLOCK, length), (bytes) => {
          const block = new Uint8Array(BLOCK)
          block.set(bytes)
          written.set(index, block)
          return block
        })
      })
    const read = (offset: number, length: number) =>
      Effect.flatMap(base.read(offset, length), (bytes) =>
        Effect.sync(() => {
          if (written.size === 0) return bytes
          for (let index = Math.floor(offset / BLOCK); index * BLOCK < offset + length; index++) {
            const block = written.get(index)
            if (block === undefined) continue
            const from = Math.max(offset, index * BLOCK)
            const to = Math.min(offset + length, (index + 1) * BLOCK)
            bytes.set(block.subarray(from - index * BLOCK, to - index * BLOCK), from - offset)
          }
          return bytes
        }))
    const write = (offset: number, data: Uint8Array) =>
      Effect.suspend(() => {
        if (offset < 0 || offset + data.length > base.size) return base.write(offset, data)
        const first = Math.floor(offset / BLOCK)
        const last = Math.floor((offset + data.length - 1) / BLOCK)
        return Effect.forEach(
          Array.from({ length: data.length === 0 ? 0 : last - first + 1 }, (_, i) => first + i),
          (index) => {
            const from = Math.max(offset, index * BLOCK)
            const to = Math.min(offset + data.length, (index + 1) * BLOCK)
            return Effect.map(blockForWrite(index, to - from === BLOCK), (block) => {
              block.set(data.subarray(from - offset, to - offset), from - index * BLOCK)
            })
          },
          { discard: true }
        )
      })
    return { size: base.size, read, write, flush: Effect.void }
  })
)
