/**
 * Choosing among the save slots (layout.md §5.3): the one to load, and the
 * one the next save overwrites.
 *
 * @internal
 */
import { Either, Option } from "effect"
import type { CorruptData } from "../../IndexError.js"
import type { SavedSlot, SaveSlot } from "./saveSlot.js"

const saved = (slots: ReadonlyArray<Either.Either<SaveSlot, CorruptData>>): ReadonlyArray<SavedSlot | undefined> =>
  slots.map((slot) => Either.isRight(slot) && slot.right.state === "saved" ? slot.right : undefined)

/**
 * The slot to load: among the valid saves the one with the largest
 * timestamp; on a tie the lower slot. None when no slot holds a valid save.
 */
export const currentSlot = (slots: ReadonlyArray<Either.Either<SaveSlot, CorruptData>>): Option.Option<SavedSlot> => {
  let best: SavedSlot | undefined
  for (const slot of saved(slots)) {
    if (slot !== undefined && (best === undefined || slot.timestamp > best.timestamp)) best = slot
  }
  return Option.fromNullable(best)
}

/**
 * The slot the next save goes into: the oldest, counting an empty or invalid
 * slot as older than any save; on a tie the lower slot.
 */
export const slotToSave = (slots: ReadonlyArray<Either.Either<SaveSlot, CorruptData>>): number => {
  let chosen = 0
  let oldest: bigint | undefined
  saved(slots).forEach((slot, i) => {
    const time = slot?.timestamp ?? 0n
    if (oldest === undefined || time < oldest) {
      chosen = i
      oldest = time
    }
  })
  return chosen
}
