/**
 * Reading whole chapters through the volume service, for inspect and verify.
 *
 * @since 0.1.0
 */
import { ChapterIndex, type Volume, VolumeError } from "@effect-uds/volume"
import { Effect } from "effect"

const PROBE_NAME = new Uint8Array(16)

/**
 * The decoded index pages of a virtual chapter, checked as the volume checks
 * them (each page decodes, the pages make one chapter, they match the index
 * page map, they hold this chapter).
 */
export const readChapterIndex = (
  volume: Volume.Service,
  virtualChapter: number
): Effect.Effect<ReadonlyArray<ChapterIndex.IndexPage>, VolumeError.CorruptData | VolumeError.IoError> =>
  // On a freshly opened volume the index page map is learned only by lookups,
  // and readChapterIndex compares against it: one lookup (of any name) in the
  // chapter first loads the map from the chapter's own index pages.
  volume.lookup(PROBE_NAME, virtualChapter).pipe(
    Effect.catchTag("InvalidArgument", (error) => new VolumeError.CorruptData({ message: error.message })),
    Effect.zipRight(volume.readChapterIndex(virtualChapter))
  )

/**
 * The virtual chapter a physical chapter holds, or `undefined` when it holds
 * none (never written, torn, or corrupt): the chapter's first index page
 * names it and its index pages must all agree.
 */
export const heldChapter = (
  volume: Volume.Service,
  nonce: bigint,
  physicalChapter: number
): Effect.Effect<number | undefined, VolumeError.IoError | VolumeError.InvalidArgument> =>
  volume.getPage(physicalChapter, 0).pipe(
    Effect.flatMap((bytes) => ChapterIndex.decodePage(volume.geometry, nonce, bytes)),
    Effect.flatMap((page) => Effect.as(readChapterIndex(volume, page.virtualChapter), page.virtualChapter)),
    Effect.catchTag("CorruptData", () => Effect.succeed(undefined))
  )

