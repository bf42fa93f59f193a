/**
 * The chapter writer of a volume: packs a chapter, lays it out in one
 * buffer, writes it in one device write and flushes, one chapter at a time
 * under the write lock, invalidating what was cached of the physical
 * chapter before, after, and when the write fails.
 *
 * @internal
 */
import { Effect, Fiber, type Scope } from "effect"
import type { Service as BlockDevice } from "../../BlockDevice.js"
import * as ChapterIndex from "../../ChapterIndex.js"
import { type Geometry, mapToPhysicalChapter, physicalPage } from "../../Geometry.js"
import type { Service as PageCache } from "../../PageCache.js"
import * as RecordPage from "../../RecordPage.js"
import { InvalidArgument, type IoError } from "../../VolumeError.js"
import type { ChapterMaps } from "./chapterMaps.js"
import { checkIndexedMask, checkRecords, checkVirtualChapter } from "./volumeInput.js"

/** What the writer works with. */
export interface ChapterWriterContext {
  readonly geometry: Geometry
  readonly nonce: bigint
  readonly device: BlockDevice
  readonly cache: PageCache
  readonly maps: ChapterMaps
  /** Drops every cached or queued page of a physical chapter and bumps its generation. */
  readonly invalidateChapter: (physicalChapter: number) => void
  /** The volume's scope: closing it stops a write stuck on the device. */
  readonly scope: Scope.Scope
}

/** The chapter writer of a volume. */
export interface ChapterWriter {
  readonly writeChapter: (
    virtualChapter: number,
    records: Uint8Array,
    indexed?: Uint8Array
  ) => Effect.Effect<void, IoError | InvalidArgument>
  /** The caller forgot a virtual chapter (Volume.forgetChapter): its physical chapter may be written out of turn. */
  readonly forgot: (virtualChapter: number) => void
  /** A boundary search found `highest` the newest chapter: if no write said otherwise, it is the newest. */
  readonly found: (highest: number) => void
  /** Chapters written since the volume was opened. */
  readonly chaptersWritten: () => number
}

/** The chapter writer over a volume's device, cache and chapter maps. */
export const makeChapterWriter = (context: ChapterWriterContext): Effect.Effect<ChapterWriter> =>
  Effect.map(Effect.makeSemaphore(1), (writeLock) => {
    const { cache, device, geometry, invalidateChapter, maps, nonce, scope } = context
    const { bytesPerPage, indexPagesPerChapter, pagesPerChapter, recordPagesPerChapter, recordsPerChapter, recordsPerPage } =
      geometry
    const firstPage = (chapter: number) => physicalPage(geometry, chapter, 0)
    let chaptersWritten = 0

    // The order rule (see Volume.Service.writeChapter). `newest` is the newest
    // chapter written (or found by a boundary search), -1 while none is known;
    // `forgotten[p]`: the chapter physical chapter p holds was forgotten since
    // p was last written.
    let newest = -1
    const forgotten = new Uint8Array(geometry.chaptersPerVolume)
    const outOfOrder = (virtualChapter: number, chapter: number): InvalidArgument | undefined => {
      if (newest < 0 || virtualChapter === newest + 1) return undefined
      if (virtualChapter > newest && forgotten[chapter] === 1) return undefined
      return new InvalidArgument({
        message: `virtual chapter ${virtualChapter} cannot be written now: chapters are written in order and the ` +
          `newest is ${newest}, so the next is ${newest + 1}; a later chapter once the chapter its physical chapter ` +
          `${chapter} holds is forgotten, an earlier or the same one once every chapter from it to ${newest} is forgotten`
      })
    }
    const forgot = (virtualChapter: number) => {
      forgotten[mapToPhysicalChapter(geometry, virtualChapter)] = 1
      if (virtualChapter === newest) newest--
    }

    // Packing fails only when a geometry's last index page cannot hold even the
    // empty lists the data leaves for it (the reference's OVERFLOW).
    const packChapter = (virtualChapter: number, records: Uint8Array, count: number, indexed: Uint8Array | undefined) => {
      try {
        return ChapterIndex.packChapter(geometry, nonce, virtualChapter, records, count, indexed)
      } catch (cause) {
        return new InvalidArgument({
          message: `the index of chapter ${virtualChapter} does not fit its ${indexPagesPerChapter} index pages: ` +
            `${cause instanceof Error ? cause.message : String(cause)}`
        })
      }
    }

    // Runs a chapter write in a fiber of the volume's scope, holding the write
    // lock to its real end: closing the volume interrupts a write or flush
    // stuck on the device, as it does waiting lookups. A caller that stops
    // waiting (a timeout) stops only a write that has not reached the device:
    // a device write cannot be taken back (the OS goes on with it), so it runs
    // on and the next writer waits for it instead of being overtaken by it.
    const runWrite = <A, E>(write: Effect.Effect<A, E>, started: () => boolean): Effect.Effect<A, E> =>
      Effect.flatMap(Effect.forkIn(writeLock.withPermits(1)(write), scope), (fiber) =>
        Effect.onInterrupt(Fiber.join(fiber), () => started() ? Effect.void : Fiber.interrupt(fiber)))

    // One chapter's bytes, reused by every write (writes hold the write lock):
    // a fresh megabyte per chapter costs more than filling it. A write that
    // did not finish may still be read from by the OS, so its buffer is
    // abandoned and the next write makes a new one.
    let chapterBuffer: Uint8Array | undefined
    let chapterBufferInUse = false
    const takeChapterBuffer = (): Uint8Array => {
      if (chapterBuffer === undefined || chapterBufferInUse) chapterBuffer = new Uint8Array(pagesPerChapter * bytesPerPage)
      chapterBufferInUse = true
      return chapterBuffer
    }
    const releaseChapterBuffer = () => {
      chapterBufferInUse = false
    }

    const writeChapter: ChapterWriter["writeChapter"] = (virtualChapter, records, indexed) =>
      Effect.suspend((): ReturnType<ChapterWriter["writeChapter"]> => {
        const invalid = checkVirtualChapter(virtualChapter) ?? checkRecords(geometry, records) ??
          checkIndexedMask(records, indexed)
        if (invalid !== undefined) return Effect.fail(invalid)
        const chapter = mapToPhysicalChapter(geometry, virtualChapter)
        const count = records.length / 32
        const full = count === recordsPerChapter ? records : padChapter(records, recordsPerChapter)
        const packed = packChapter(virtualChapter, full, count, indexed)
        if (packed instanceof InvalidArgument) return Effect.fail(packed)
        // The whole chapter is contiguous on the device: index pages, then
        // record pages, laid out under the write lock (the buffer is shared).
        const layOut = (): Uint8Array => {
          const bytes = takeChapterBuffer()
          packed.pages.forEach((page, k) => bytes.set(page, k * bytesPerPage))
          for (let p = 0; p < recordPagesPerChapter; p++) {
            RecordPage.encodeInto(geometry, full, p * recordsPerPage * 32, bytes, (indexPagesPerChapter + p) * bytesPerPage)
          }
          return bytes
        }
        let started = false
        // Checked when the write's turn comes, so queued writes are judged in order.
        const start = Effect.suspend(() => {
          const refused = outOfOrder(virtualChapter, chapter)
          if (refused !== undefined) return Effect.fail(refused)
          started = true
          newest = virtualChapter
          forgotten[chapter] = 0
          maps.rewriting(chapter)
          invalidateChapter(chapter)
          return Effect.void
        })
        // Pages read while the chapter was being written may be torn: drop them
        // all, then donate the new index pages to the cache.
        const finish = () => {
          invalidateChapter(chapter)
          maps.written(virtualChapter, chapter, packed.highestLists)
          packed.decoded.forEach((page, k) => cache.installIndexPage(firstPage(chapter) + k, page))
          chaptersWritten++
        }
        const write = Effect.suspend(() => device.write(firstPage(chapter) * bytesPerPage, layOut())).pipe(
          Effect.zipRight(Effect.sync(releaseChapterBuffer)),
          Effect.zipRight(device.flush),
          // Failed or interrupted: pages read meanwhile may be torn.
          Effect.onError(() => Effect.sync(() => invalidateChapter(chapter))),
          Effect.zipRight(Effect.sync(finish))
        )
        return Effect.zipRight(start, write).pipe(
          (write) => runWrite(write, () => started),
          Effect.withSpan("Volume.writeChapter", { attributes: { virtualChapter }, captureStackTrace: false })
        )
      })

    return {
      writeChapter,
      forgot,
      found: (highest) => {
        if (newest < 0) newest = highest
      },
      chaptersWritten: () => chaptersWritten
    }
  })

// A full chapter from a short one: the rest is copies of its last record,
// as the reference pads with its fill record.
const padChapter = (records: Uint8Array, recordsPerChapter: number): Uint8Array => {
  const full = new Uint8Array(recordsPerChapter * 32)
  full.set(records)
  const last = records.subarray(records.length - 32)
  for (let offset = records.length; offset < full.length; offset += 32) full.set(last, offset)
  return full
}
