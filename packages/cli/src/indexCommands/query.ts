/**
 * `uds-index query FILE NAME_HEX...` and `uds-index post FILE NAME_HEX
 * DATA_HEX`: one request each against a whole index. query opens it
 * read-only and changes nothing; post stores the name when it is absent and
 * saves the index.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type { Index } from "@effect-uds/index"
import { Console, Effect, Option } from "effect"
import { UsageError } from "../CliError.js"
import { parseName } from "../commands/lookup.js"
import { hex } from "../format.js"
import { withIndexFile, withIndexReadOnly } from "../indexFile/openIndex.js"
import { readStoredIndex, withReadOnlyFile } from "../indexFile/storedConfig.js"
import { jsonFlag } from "../volumeFlags.js"
import { indexFileArg } from "./inspect.js"

const nameArg = Args.text({ name: "NAME_HEX" }).pipe(Args.withDescription("a record name: 32 hex digits (16 bytes)"))
const dataArg = Args.text({ name: "DATA_HEX" }).pipe(Args.withDescription("the data to store: 32 hex digits (16 bytes)"))

const parseData = (text: string): Effect.Effect<Uint8Array, UsageError> =>
  /^[0-9a-f]{32}$/i.test(text)
    ? Effect.succeed(new Uint8Array(Buffer.from(text, "hex")))
    : Effect.fail(new UsageError({ message: `DATA_HEX must be 32 hex digits (16 bytes of data), got "${text}"` }))

const answerJson = (name: string, result: Index.Result) => ({
  name: name.toLowerCase(),
  found: result.found,
  data: Option.match(result.oldData, { onNone: () => null, onSome: hex }),
  location: result.location
})

const answerText = (name: string, result: Index.Result) =>
  Option.match(result.oldData, {
    onNone: () => `${name.toLowerCase()}: not found`,
    onSome: (data) => `${name.toLowerCase()}: ${hex(data)} (${result.location})`
  })

/** The `query` command. */
export const query = Command.make(
  "query",
  { file: indexFileArg, names: Args.atLeast(nameArg, 1), json: jsonFlag },
  ({ file, json, names }) =>
    Effect.gen(function*() {
      const parsed = yield* Effect.forEach(names, parseName)
      yield* withIndexReadOnly(file, "load", (index) =>
        Effect.forEach(parsed, (name, i) =>
          Effect.flatMap(index.queryNoUpdate(name), (result) =>
            Console.log(json ? JSON.stringify(answerJson(names[i]!, result)) : answerText(names[i]!, result)))))
    })
).pipe(Command.withDescription("look names up in an index, changing nothing (read-only); a name not there is not an error"))

/** The `post` command. */
export const post = Command.make(
  "post",
  { file: indexFileArg, name: nameArg, data: dataArg, json: jsonFlag },
  ({ data, file, json, name }) =>
    Effect.gen(function*() {
      const nameBytes = yield* parseName(name)
      const dataBytes = yield* parseData(data)
      const { config } = yield* withReadOnlyFile(file, (fd, size) => readStoredIndex(file, fd, size))
      const result = yield* withIndexFile(file, config, "load", (index) => index.post(nameBytes, dataBytes))
      yield* Console.log(
        json
          ? JSON.stringify(answerJson(name, result))
          : result.found
          ? answerText(name, result) + " (already there: kept its data)"
          : `${name.toLowerCase()}: not found; stored with ${data.toLowerCase()}`
      )
    })
).pipe(Command.withDescription("post a name with its data: stored when absent, its old data shown when present; saves the index"))
