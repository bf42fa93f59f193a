/**
 * Integer flags that accept exactly what their help says: plain decimal
 * digits, within a stated range (and a multiple of a stated step). @effect/cli's
 * `Options.integer` goes through `Number`, so it takes `1e3` and `0x1000`,
 * and calls a number that is only too large "not a integer".
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Either } from "effect"

/** The values an integer flag allows. */
export interface IntegerRange {
  readonly min: number
  readonly max: number
  /** The value must be a multiple of this (default 1). */
  readonly multipleOf?: number
}

/** What `range` allows, in words: "an integer from 32 to 65536, a multiple of 32". */
export const rangeText = ({ max, min, multipleOf = 1 }: IntegerRange): string =>
  `an integer from ${min} to ${max}` + (multipleOf > 1 ? `, a multiple of ${multipleOf}` : "")

/** Parses `text` as the value of `--flag`; the error says what is allowed. */
export const parseInteger = (flag: string, range: IntegerRange, text: string): Either.Either<number, string> => {
  const wrong = (why: string) => Either.left(`--${flag} must be ${rangeText(range)}${why}, got "${text}"`)
  if (!/^[0-9]+$/.test(text)) return wrong(" (decimal digits only)")
  // Compared as a bigint so that a number beyond 2^53 is reported as out of range, not rounded.
  const value = BigInt(text)
  if (value < BigInt(range.min) || value > BigInt(range.max)) return wrong("")
  if (value % BigInt(range.multipleOf ?? 1) !== 0n) return wrong("")
  return Either.right(Number(value))
}

/** `--name N`: an integer in `range`, described by `description` followed by the range. */
export const integerOption = (name: string, range: IntegerRange, description: string): Options.Options<number> =>
  Options.text(name).pipe(
    Options.withPseudoName("N"),
    Options.withDescription(`${description}: ${rangeText(range)}`),
    Options.mapEffect((text) =>
      Either.mapLeft(parseInteger(name, range, text), (message) => ValidationError.invalidValue(HelpDoc.p(message))))
  )
