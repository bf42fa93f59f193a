// What one synchronous pass of a volume lookup found.
import type { CorruptData } from "../../VolumeError.js"

/**
 * The outcome of one synchronous lookup step: the record's data, null for
 * not found, CorruptData, or a number: a physical page that is not cached,
 * or NEED_CHAPTER_MAP.
 */
export type Step = Uint8Array | null | number | CorruptData

/**
 * The step needs all of a chapter's index pages to learn its page map.
 * Page 0 is the header page, never read, so the number is free to mean this.
 */
export const NEED_CHAPTER_MAP = 0
