/**
 * The flags that describe a raw volume region, shared by every command that
 * opens a FILE. Each one also overrides what a super block or a description
 * file says.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { Option } from "effect"
import { integerOption, type IntegerRange } from "./integerOption.js"

/** The volume-describing flags as parsed. */
export interface VolumeFlags {
  readonly bytesPerPage: Option.Option<number>
  readonly recordPagesPerChapter: Option.Option<number>
  readonly chaptersPerVolume: Option.Option<number>
  readonly sparseChaptersPerVolume: Option.Option<number>
  readonly nonce: Option.Option<string>
  readonly offset: Option.Option<number>
}

const count = (name: string, range: IntegerRange, description: string) =>
  Options.optional(integerOption(name, range, description))

/** The largest chapter count a geometry allows (32-bit chapter numbers). */
const MAX_CHAPTERS = 2 ** 32 - 1

/** `--bytes-per-page N --record-pages-per-chapter N --chapters-per-volume N [--sparse-chapters-per-volume N] --nonce N [--offset BYTES]`. */
export const volumeFlags: Options.Options<VolumeFlags> = Options.all({
  bytesPerPage: count("bytes-per-page", { min: 32, max: 65536, multipleOf: 32 }, "page size of a raw volume in bytes"),
  recordPagesPerChapter: count("record-pages-per-chapter", { min: 1, max: 65535 }, "record pages per chapter of a raw volume"),
  chaptersPerVolume: count("chapters-per-volume", { min: 1, max: MAX_CHAPTERS }, "chapters of a raw volume"),
  sparseChaptersPerVolume: count(
    "sparse-chapters-per-volume",
    { min: 0, max: MAX_CHAPTERS - 1 },
    "sparse chapters of a raw volume (default 0; fewer than its chapters)"
  ),
  nonce: Options.text("nonce").pipe(
    Options.withDescription("the volume nonce of a raw volume: a u64, decimal or 0x-hex"),
    Options.optional
  ),
  offset: count("offset", { min: 0, max: Number.MAX_SAFE_INTEGER }, "the byte of FILE where the volume region starts (default 0)")
})

/** No volume-describing flags: the file must describe itself. */
export const noVolumeFlags: VolumeFlags = {
  bytesPerPage: Option.none(),
  recordPagesPerChapter: Option.none(),
  chaptersPerVolume: Option.none(),
  sparseChaptersPerVolume: Option.none(),
  nonce: Option.none(),
  offset: Option.none()
}

/** `--json`: one JSON object on stdout instead of text. */
export const jsonFlag: Options.Options<boolean> = Options.boolean("json").pipe(
  Options.withDescription("print one JSON object instead of text")
)

/** FILE: a UDS index, a volume made by `demo`, or a raw volume region described by the flags. */
export const fileArg: Args.Args<string> = Args.file({ name: "FILE" }).pipe(
  Args.withDescription("a UDS index file, a volume made by demo, or a raw volume region described by the flags")
)
