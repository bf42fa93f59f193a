/**
 * The flags of `uds-index` commands that make or size an index, and the
 * block size of `dedup`.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type { Geometry } from "@effect-uds/volume"
import { Either } from "effect"
import { integerOption } from "./integerOption.js"

const MEMORY_TEXT = `"tiny", 0.25, 0.5, 0.75, or a whole number of GB from 1 to 1024`

/** Parses a memory size as the reference's configuration accepts it. */
export const parseMemorySize = (text: string): Either.Either<Geometry.MemorySize, string> => {
  if (text === "tiny") return Either.right("tiny")
  if (text === "0.25" || text === "0.5" || text === "0.75") return Either.right(Number(text))
  if (/^[0-9]{1,4}$/.test(text) && Number(text) >= 1 && Number(text) <= 1024) return Either.right(Number(text))
  return Either.left(`--memory must be ${MEMORY_TEXT}, got "${text}"`)
}

/** `--memory SIZE`: the index's memory-size preset. */
export const memoryOption: Options.Options<Geometry.MemorySize> = Options.text("memory").pipe(
  Options.withPseudoName("SIZE"),
  Options.withDescription(`the index's memory size: ${MEMORY_TEXT} (GB of volume index memory, as the reference)`),
  Options.mapEffect((text) =>
    Either.mapLeft(parseMemorySize(text), (message) => ValidationError.invalidValue(HelpDoc.p(message))))
)

/** `--sparse`: a sparse index (ten times the chapters, most of them sparse). */
export const sparseFlag: Options.Options<boolean> = Options.boolean("sparse").pipe(
  Options.withDescription("make a sparse index: ten times the chapters, 95% of them sparse")
)

/** `--zones N`. */
export const zonesOption: Options.Options<number> = integerOption("zones", { min: 1, max: 16 }, "zones (default 1)")
  .pipe(Options.withDefault(1))

/** The largest block size dedup reads. */
const MAX_BLOCK_SIZE = 1 << 20

/** `--block-size N`: the size of the blocks dedup names, default 4096. */
export const blockSizeOption: Options.Options<number> = integerOption(
  "block-size",
  { min: 512, max: MAX_BLOCK_SIZE, multipleOf: 512 },
  "bytes per block (default 4096, VDO's)"
).pipe(Options.withDefault(4096))

/** `--verbose`. */
export const verboseFlag: Options.Options<boolean> = Options.boolean("verbose").pipe(
  Options.withDescription("also list the first duplicates (file:offset = file:offset) and every skipped entry")
)
