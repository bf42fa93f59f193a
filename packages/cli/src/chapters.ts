/**
 * Reading whole chapters through the volume service, for inspect and verify.
 *
 * @since 0.1.0
 */
import { ChapterIndex, type Volume, VolumeError } from "@effect-uds/volume"
import { Effect } from "effect"

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
    Effect.flatMap((page) => Effect.as(volume.readChapterIndex(page.virtualChapter), page.virtualChapter)),
    Effect.catchTag("CorruptData", () => Effect.succeed(undefined))
  )

