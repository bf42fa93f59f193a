/**
 * The rebuild-time search for the live chapters of a volume that was not
 * saved cleanly (volume.md §11): where the written chapters end, and which
 * virtual chapters are the oldest and the newest.
 *
 * The searches are generic over the probe, the expensive part (it reads a
 * chapter's index pages). Every search memoises its probes, so a chapter is
 * read at most once per call, and probes run one after the other.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Geometry } from "./Geometry.js"
import { CorruptData, InvalidArgument } from "./VolumeError.js"
import { describeValue } from "./internal/volume/volumeInput.js"

/**
 * Reads one physical chapter and gives its virtual chapter number, or
 * `undefined` when the chapter is bad (torn, never written, out of phase).
 * A probe that knows the answer at once may return it directly instead of
 * an Effect: the search then goes on without a trip through the runtime.
 *
 * @since 0.1.0
 * @category models
 */
export type Probe<E, R> = (physicalChapter: number) => Effect.Effect<number | undefined, E, R> | number | undefined

/**
 * The oldest and newest virtual chapters found in a volume.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  readonly lowest: number
  readonly highest: number
}

/**
 * The boundaries of a volume; an empty volume has `lowest = highest = 0`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Boundaries extends Limits {
  readonly isEmpty: boolean
}

/**
 * Bad chapters the backward search for the newest chapter may probe before it
 * gives up: the reference fails on its 101st probe, whatever that probe finds,
 * so at most 99 bad chapters can be skipped.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BAD_CHAPTERS = 100

/**
 * A search written as a generator: it yields each physical chapter it wants
 * probed, is sent back that chapter's VCN, and returns its answer. The
 * searches are plain code; `run` does the probing.
 */
type Search<A> = Generator<number, A, number | undefined>

/**
 * Runs a search with a probe, each chapter probed at most once. Probes that
 * answer directly keep the search synchronous; an Effect answer suspends it
 * until the probe is done.
 */
const run = <A, E, R>(search: () => Search<A | CorruptData>, probe: Probe<E, R>): Effect.Effect<A, CorruptData | E, R> =>
  Effect.suspend(() => {
    const steps = search()
    const seen = new Map<number, number | undefined>()
    const resume = (vcn: number | undefined): Effect.Effect<A, CorruptData | E, R> => {
      let step = steps.next(vcn)
      while (step.done !== true) {
        const chapter = step.value
        let answer: number | undefined
        if (seen.has(chapter)) {
          answer = seen.get(chapter)
        } else {
          const probed = probe(chapter)
          if (Effect.isEffect(probed)) {
            return Effect.flatMap(probed, (later) => {
              seen.set(chapter, later)
              return resume(later)
            })
          }
          seen.set(chapter, probed)
          answer = probed
        }
        step = steps.next(answer)
      }
      return step.value instanceof CorruptData ? Effect.fail(step.value) : Effect.succeed(step.value)
    }
    return resume(undefined)
  })

const tooManyBad = (detail: string) => new CorruptData({ message: `too many bad chapters in volume: ${detail}` })

// volume.md §11.2: step backward from the end with a span that doubles after
// repeated bad chapters and halves after a good one.
function* searchEnd(chapters: number): Search<number> {
  let limit = chapters
  let span = 1
  let tries = 0
  while (limit > 0) {
    const chapter = span > limit ? 0 : limit - span
    const vcn = yield chapter
    if (vcn === undefined) {
      limit = chapter
      tries += 1
      if (tries > 1) span *= 2
    } else {
      if (span === 1) break
      span /= 2
      tries = 0
    }
  }
  return limit
}

// The binary search comparison `zero <= vcn`, where a bad chapter is larger
// than everything (the reference's 2^64 - 1), bad `zero` included.
const notBelow = (zero: number | undefined, vcn: number | undefined): boolean =>
  vcn === undefined || (zero !== undefined && zero <= vcn)

// volume.md §11.3, step for step; `moved` is -1 when there is no moved chapter.
function* searchLimits(geometry: Geometry, limit: number): Search<Limits | CorruptData> {
  const zero = yield 0
  let moved = -1
  if (geometry.remappedPhysical > 0) {
    const vcn = yield geometry.remappedPhysical
    if (vcn === geometry.remappedVirtual) moved = geometry.remappedPhysical
  }

  // The first chapter whose VCN is below chapter 0's: the oldest one.
  let left = 0
  let right = limit
  while (left < right) {
    let chapter = Math.floor((left + right) / 2)
    if (chapter === moved) chapter -= 1
    if (notBelow(zero, yield chapter)) {
      left = chapter + 1
      if (left === moved) left += 1
    } else {
      right = chapter
    }
  }
  if (left >= limit) left = 0

  let lowest = yield left
  // The reference returns 2^64 - 1 here when chapter `left` is bad, which
  // happens only when the search wrapped to a bad chapter 0. Under the
  // single-bad-run assumption chapter 0 then lies inside the run, and the
  // first good chapter after the run holds the oldest VCN: search forward.
  if (lowest === undefined) {
    let chapter = left
    for (let bad = 1; lowest === undefined; bad++) {
      if (bad >= limit) return tooManyBad(`all ${limit} chapters are bad`)
      if (bad >= MAX_BAD_CHAPTERS) {
        return tooManyBad(`${bad} bad chapters searching forward from physical chapter ${left}`)
      }
      chapter = (chapter + 1) % limit
      lowest = yield chapter
    }
  }
  // The moved chapter, when present, is the oldest one.
  if (moved >= 0 && lowest === geometry.remappedVirtual + 1) lowest = geometry.remappedVirtual

  // The newest chapter: the first good one circularly backward from `right`.
  let highest: number | undefined
  for (let probes = 0; highest === undefined;) {
    right = (right + limit - 1) % limit
    if (right === moved) continue
    if (probes === MAX_BAD_CHAPTERS) {
      return tooManyBad(`${probes} bad chapters searching backward for the newest chapter`)
    }
    probes += 1
    highest = yield right
  }
  return { lowest, highest }
}

// The end, then the limits below it, sharing one run (so one memo).
function* searchBoundaries(geometry: Geometry): Search<Boundaries | CorruptData> {
  const limit = yield* searchEnd(geometry.chaptersPerVolume)
  if (limit === 0) return { lowest: 0, highest: 0, isEmpty: true }
  const limits = yield* searchLimits(geometry, limit)
  return limits instanceof CorruptData ? limits : { lowest: limits.lowest, highest: limits.highest, isEmpty: false }
}

const checkLimit = (geometry: Geometry, chapterLimit: number): Effect.Effect<void, InvalidArgument> =>
  Number.isSafeInteger(chapterLimit) && chapterLimit >= 1 && chapterLimit <= geometry.chaptersPerVolume
    ? Effect.void
    : Effect.fail(
      new InvalidArgument({
        message: `ChapterBoundaries.findLimits: chapterLimit must be an integer from 1 to ` +
          `${geometry.chaptersPerVolume} (chaptersPerVolume), got ` +
          `${describeValue(chapterLimit)}`
      })
    )

/**
 * Finds the lowest and highest virtual chapter among physical chapters
 * `0 .. chapterLimit - 1`, exactly as the reference does at rebuild
 * (volume.md §11.3): a binary search for the wrap point treating bad chapters
 * as newer than everything, the remapped (moved) chapter of a converted
 * volume, then a backward scan over bad chapters for the newest one.
 *
 * It assumes at most one contiguous run of bad chapters. Fails with
 * `CorruptData` when the backward scan meets 100 bad chapters ("too many bad
 * chapters in volume"). Where the reference would return 2^64 - 1 as lowest
 * (the search wrapped to a bad chapter 0), this scans forward to the first
 * good chapter instead, under the same limit. A probe's error is passed on
 * unchanged. Fails with `InvalidArgument` for a `chapterLimit` that is not
 * an integer from 1 to `chaptersPerVolume`.
 *
 * @since 0.1.0
 * @category utils
 */
export const findLimits = <E, R>(
  geometry: Geometry,
  chapterLimit: number,
  probe: Probe<E, R>
): Effect.Effect<Limits, CorruptData | InvalidArgument | E, R> =>
  Effect.zipRight(checkLimit(geometry, chapterLimit), run(() => searchLimits(geometry, chapterLimit), probe))

/**
 * Finds the real end of the volume (volume.md §11.2): a limit `L` such that
 * physical chapter `L - 1` is good, searching backward from the end with
 * growing steps; 0 when no good chapter was found (the volume is empty). A
 * hole of bad chapters below `L` is not detected here.
 *
 * @since 0.1.0
 * @category utils
 */
export const findEnd = <E, R>(geometry: Geometry, probe: Probe<E, R>): Effect.Effect<number, E, R> =>
  // searchEnd never gives CorruptData.
  run(() => searchEnd(geometry.chaptersPerVolume), probe) as Effect.Effect<number, E, R>

/**
 * The rebuild's chapter boundaries: the real end of the volume, then the
 * lowest and highest virtual chapter below it. A volume with no good chapter
 * is empty (`lowest = highest = 0`, `isEmpty`). Both searches share one
 * memo, so no chapter is probed twice.
 *
 * @since 0.1.0
 * @category utils
 */
export const find = <E, R>(geometry: Geometry, probe: Probe<E, R>): Effect.Effect<Boundaries, CorruptData | E, R> =>
  run(() => searchBoundaries(geometry), probe)
