// The W2/W3 query mix (BENCHMARKS.md): present and absent names, alternating.
import { type Geometry } from "@effect-uds/volume"
import { RecordGenerator } from "@effect-uds/volume/testing"

/** A prepared stream of lookups with their expected answers. */
export interface Queries {
  readonly count: number
  /** Query i's name is bytes 16i .. 16i + 15. */
  readonly names: Uint8Array
  /** The virtual chapter each query looks in. */
  readonly chapters: Int32Array
  /** The record number a present query must find, or -1 for an absent one. */
  readonly records: Int32Array
}

/**
 * `count` queries over a volume holding virtual chapters 0 .. chapterCount − 1
 * of the seed-1 generator run (`chapterRecords[c]`): even queries are present
 * records (record k = next() mod total records of a SplitMix64 stream seeded 2,
 * in its own chapter), odd ones absent names (two draws of a stream seeded 3)
 * in a chapter drawn from that same stream (next() mod chapterCount).
 */
export const makeQueries = (
  geometry: Geometry.Geometry,
  chapterRecords: ReadonlyArray<Uint8Array>,
  count: number
): Queries => {
  const chapterCount = chapterRecords.length
  const perChapter = BigInt(geometry.recordsPerChapter)
  const total = perChapter * BigInt(chapterCount)
  const present = RecordGenerator.splitMix64(2)
  const absent = RecordGenerator.splitMix64(3)
  const names = new Uint8Array(count * 16)
  const chapters = new Int32Array(count)
  const records = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const k = present.next() % total
      const chapter = Number(k / perChapter)
      const inChapter = Number(k % perChapter)
      names.set(chapterRecords[chapter]!.subarray(inChapter * 32, inChapter * 32 + 16), i * 16)
      chapters[i] = chapter
      records[i] = Number(k)
    } else {
      RecordGenerator.nextName(absent, names, i * 16)
      chapters[i] = Number(absent.next() % BigInt(chapterCount))
      records[i] = -1
    }
  }
  return { count, names, chapters, records }
}

/**
 * Whether `answer` is right for query i: the generator's data
 * (le64(record) ‖ le64(chapter)) for a present name, nothing for an absent one.
 */
export const isRight = (queries: Queries, i: number, answer: Uint8Array | undefined): boolean => {
  const record = queries.records[i]!
  if (record < 0) return answer === undefined
  if (answer === undefined || answer.length !== 16) return false
  const chapter = queries.chapters[i]!
  return le32(answer, 0) === record && le32(answer, 4) === 0 && le32(answer, 8) === chapter && le32(answer, 12) === 0
}

const le32 = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
