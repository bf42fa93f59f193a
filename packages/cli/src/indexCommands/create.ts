/**
 * `uds-index create FILE --memory SIZE [--sparse] [--zones N]`: a fresh,
 * empty whole index in a new file (sparse on disk: only the layout is written).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { IndexConfig } from "@effect-uds/index"
import { Console, Effect } from "effect"
import * as fs from "node:fs"
import { UsageError } from "../CliError.js"
import { memoryOption, sparseFlag, zonesOption } from "../indexFlags.js"
import { withIndexFile } from "../indexFile/openIndex.js"
import { indexFileArg } from "./inspect.js"

/** The `create` command. */
export const create = Command.make(
  "create",
  { file: indexFileArg, memory: memoryOption, sparse: sparseFlag, zones: zonesOption },
  ({ file, memory, sparse, zones }) =>
    Effect.gen(function*() {
      if (fs.existsSync(file)) {
        return yield* new UsageError({ message: `${file} already exists; create makes a new file (remove it first)` })
      }
      const config = yield* IndexConfig.make({ memorySize: memory, sparse, zones }).pipe(
        Effect.mapError((error) => new UsageError({ message: error.message }))
      )
      yield* withIndexFile(file, config, "create", () => Effect.void)
      yield* Console.log(
        `${file}: created a ${memory === "tiny" ? "tiny" : `${memory} GB`} ${sparse ? "sparse" : "dense"} index, ` +
          `${zones} zone${zones === 1 ? "" : "s"}, ${IndexConfig.indexSize(config)} bytes, ` +
          `${config.geometry.recordsPerVolume} records in ${config.geometry.chaptersPerVolume} chapters`
      )
    })
).pipe(Command.withDescription("make a new, empty whole index in FILE"))
