/**
 * A block device over a file, with positional I/O on one file descriptor.
 *
 * @internal
 */
import { Effect, type Scope } from "effect"
import * as fs from "node:fs"
import type { FileOptions, Service } from "../../BlockDevice.js"
import { InvalidArgument, IoError } from "../../VolumeError.js"
import { describeValue } from "../volume/volumeInput.js"
import { bytesRangeError, countError, rangeError, readFresh } from "./deviceAccess.js"
import { type DirectReader, directReadKey, type WithDirectReader } from "./directRead.js"
import { adaptiveMode, fixedMode } from "./readMode.js"

// One fs.read/fs.write moves at most this much; Node refuses lengths of 2 GiB and more.
const MAX_CHUNK = 1 << 30

type Operation = IoError["operation"]

// "EIO (i/o error)" from Node's "EIO: i/o error, read", whose path we print ourselves.
const describeCause = (cause: NodeJS.ErrnoException): string => {
  if (cause.code === undefined) return cause.message
  const text = cause.message.replace(`${cause.code}: `, "").replace(/, \w+( '.*')?$/, "")
  return `${cause.code} (${text})`
}

const osError = (
  path: string,
  operation: Operation,
  cause: NodeJS.ErrnoException,
  offset?: number,
  length?: number
): IoError => {
  const where = offset === undefined ? "" : ` of ${length ?? 0} bytes at device offset ${offset}`
  return new IoError({
    message: `${operation}${where} on "${path}" failed: ${describeCause(cause)}`,
    operation,
    ...(offset === undefined ? {} : { offset }),
    cause
  })
}

// Wraps one callback-style fs call whose result is `A`.
const callFs = <A>(
  run: (callback: (error: NodeJS.ErrnoException | null, result: A) => void) => void,
  onError: (cause: NodeJS.ErrnoException) => IoError | InvalidArgument
): Effect.Effect<A, IoError | InvalidArgument> =>
  Effect.async<A, IoError | InvalidArgument>((resume) => {
    run((error, result) => resume(error === null ? Effect.succeed(result) : Effect.fail(onError(error))))
  })

// Opens read-write (or read-only) without creating first, so a missing file is told apart from an existing empty one.
const openFile = (path: string, create: boolean, size: number | undefined, readOnly: boolean) =>
  callFs<number>(
    (callback) => fs.open(path, readOnly ? fs.constants.O_RDONLY : fs.constants.O_RDWR, callback),
    (cause) => osError(path, "open", cause)
  ).pipe(
    Effect.catchIf(
      (error) => create && error._tag === "IoError" && (error.cause as NodeJS.ErrnoException).code === "ENOENT",
      () =>
        size === undefined
          ? Effect.fail(
            new InvalidArgument({
              message: `"${path}" does not exist: creating a device file needs a size`
            })
          )
          : callFs<number>(
            (callback) => fs.open(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644, callback),
            (cause) => osError(path, "open", cause)
          )
    )
  )

// The InvalidArgument for bad `adaptiveReads` tuning, or undefined.
const adaptiveReadsError = (options: FileOptions): InvalidArgument | undefined => {
  const tuning: unknown = options.adaptiveReads
  if (tuning === undefined) return undefined
  if (typeof tuning !== "object" || tuning === null) {
    return new InvalidArgument({ message: `adaptiveReads must be an object or omitted, got ${describeValue(tuning)}` })
  }
  const { clock, retryAfterMillis, slowReadMicros } = tuning as Record<string, unknown>
  if (slowReadMicros !== undefined && !(typeof slowReadMicros === "number" && slowReadMicros > 0 && Number.isFinite(slowReadMicros))) {
    return new InvalidArgument({
      message: `adaptiveReads.slowReadMicros must be a positive finite number of microseconds, got ${describeValue(slowReadMicros)}`
    })
  }
  if (
    retryAfterMillis !== undefined &&
    !(typeof retryAfterMillis === "number" && retryAfterMillis >= 0 && Number.isFinite(retryAfterMillis))
  ) {
    return new InvalidArgument({
      message: `adaptiveReads.retryAfterMillis must be a non-negative finite number of milliseconds, got ${describeValue(retryAfterMillis)}`
    })
  }
  if (clock !== undefined && typeof clock !== "function") {
    return new InvalidArgument({ message: `adaptiveReads.clock must be a function or omitted, got ${describeValue(clock)}` })
  }
  return undefined
}

/**
 * Opens `path` once for the life of the scope and serves positional reads and
 * writes on it. The descriptor is closed when the scope closes, after every
 * fs call still running on it has returned (an interrupted read or write
 * keeps running in the OS; closing under it could let the descriptor number
 * be reused by another file).
 */
export const makeFileDevice = (
  path: string,
  options: FileOptions = {}
): Effect.Effect<Service, IoError | InvalidArgument, Scope.Scope> =>
  Effect.gen(function*() {
    if (typeof path !== "string" || path === "") {
      return yield* new InvalidArgument({
        message: `a device file path must be a non-empty string, got ${path === "" ? "an empty string" : describeValue(path)}`
      })
    }
    if (typeof options !== "object" || options === null) {
      return yield* new InvalidArgument({
        message: `"${path}": device file options must be an object or omitted, got ${describeValue(options)}`
      })
    }
    const create = options.create === true
    const base = options.offset ?? 0
    const readOnly = options.readOnly === true
    const syncWrites = options.syncWrites === true
    const badOption = countError("offset", options.offset) ?? countError("size", options.size) ??
      adaptiveReadsError(options)
    if (badOption !== undefined) return yield* badOption
    // syncReads true or false fixes the read path; left out, the device picks per read (readMode.ts).
    const readMode = options.syncReads === undefined
      ? adaptiveMode(options.adaptiveReads)
      : fixedMode(options.syncReads === true)
    if (create && readOnly) {
      return yield* new InvalidArgument({ message: `"${path}": create and readOnly cannot both be set` })
    }

    let inFlight = 0
    let closed = false
    let onIdle: (() => void) | undefined
    const begin = (): boolean => {
      if (closed) return false
      inFlight++
      return true
    }
    const end = (): void => {
      inFlight--
      if (inFlight === 0 && onIdle !== undefined) onIdle()
    }

    const fd = yield* Effect.acquireRelease(openFile(path, create, options.size, readOnly), (fd) =>
      Effect.async<void>((resume) => {
        closed = true
        // Close errors are ignored: nothing useful can be done about them at scope close.
        const close = () => fs.close(fd, () => resume(Effect.void))
        if (inFlight === 0) close()
        else onIdle = close
      }))

    const stats = yield* callFs<fs.Stats>((callback) => fs.fstat(fd, callback), (cause) => osError(path, "open", cause))
    if (create && options.size !== undefined && stats.size < base + options.size) {
      // Extends only: a larger file is never truncated.
      yield* callFs<void>(
        (callback) => fs.ftruncate(fd, base + options.size!, (error) => callback(error, undefined)),
        (cause) => osError(path, "open", cause)
      )
    }
    const size = options.size ?? stats.size - base
    if (size < 0) {
      return yield* new InvalidArgument({
        message: `offset ${base} is past the end of "${path}" (${stats.size} bytes): give a smaller offset, or a size`
      })
    }

    const closedError = (operation: Operation, offset?: number): IoError =>
      new IoError({
        message: `${operation} on "${path}" after its device was closed (the layer's scope has ended)`,
        operation,
        ...(offset === undefined ? {} : { offset })
      })

    // Moves all of `bytes` to or from device offset `offset`, looping over short transfers,
    // then calls `done` once. A read past the end of the file leaves zeros for the rest, as
    // the reference pads a short read.
    const transferThen = (
      operation: "read" | "write",
      offset: number,
      bytes: Uint8Array,
      done: (error: IoError | undefined) => void
    ): void => {
      let moved = 0
      const step = (): void => {
        if (moved === bytes.length) return done(undefined)
        if (!begin()) return done(closedError(operation, offset))
        const callback = (error: NodeJS.ErrnoException | null, n: number): void => {
          end()
          if (error !== null) return done(osError(path, operation, error, offset, bytes.length))
          if (n === 0 && operation === "read") {
            bytes.fill(0, moved)
            return done(undefined)
          }
          if (n === 0) return done(stalledWrite(offset, bytes.length, moved))
          moved += n
          step()
        }
        const length = Math.min(bytes.length - moved, MAX_CHUNK)
        if (operation === "read") fs.read(fd, bytes, moved, length, base + offset + moved, callback)
        else fs.write(fd, bytes, moved, length, base + offset + moved, callback)
      }
      step()
    }

    const stalledWrite = (offset: number, length: number, moved: number): IoError =>
      new IoError({
        message: `write of ${length} bytes at device offset ${offset} on "${path}" stopped ` +
          `after ${moved} bytes: the OS accepted no more`,
        operation: "write",
        offset
      })

    // A read or write on the calling thread (the `syncReads` and `syncWrites`
    // options), looping over short transfers like transferThen.
    const transferNow = (operation: "read" | "write", offset: number, bytes: Uint8Array): IoError | undefined => {
      if (closed) return closedError(operation, offset)
      let moved = 0
      try {
        while (moved < bytes.length) {
          const length = Math.min(bytes.length - moved, MAX_CHUNK)
          const at = base + offset + moved
          const n = operation === "read" ? fs.readSync(fd, bytes, moved, length, at) : fs.writeSync(fd, bytes, moved, length, at)
          if (n === 0 && operation === "write") return stalledWrite(offset, bytes.length, moved)
          if (n === 0) {
            bytes.fill(0, moved)
            break
          }
          moved += n
        }
      } catch (cause) {
        return osError(path, operation, cause as NodeJS.ErrnoException, offset, bytes.length)
      }
      return undefined
    }

    // A read on the calling thread, timed for the read mode.
    const readNow = (offset: number, bytes: Uint8Array): IoError | undefined => {
      const startedAt = readMode.started()
      const error = transferNow("read", offset, bytes)
      readMode.ended(startedAt)
      return error
    }

    const transferLater = (operation: "read" | "write", offset: number, bytes: Uint8Array): Effect.Effect<void, IoError> =>
      Effect.async<void, IoError>((resume) => {
        transferThen(operation, offset, bytes, (error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
      })

    const failOrVoid = (error: IoError | undefined): Effect.Effect<void, IoError> =>
      error === undefined ? Effect.void : Effect.fail(error)

    const transfer = (operation: "read" | "write", offset: number, bytes: Uint8Array): Effect.Effect<void, IoError> => {
      if (operation === "write") {
        return syncWrites ? Effect.suspend(() => failOrVoid(transferNow("write", offset, bytes))) : transferLater("write", offset, bytes)
      }
      // The mode is asked when the read runs, not when its Effect is made.
      return Effect.suspend(() =>
        readMode.syncNow() ? failOrVoid(readNow(offset, bytes)) : transferLater("read", offset, bytes)
      )
    }

    // The read queue's way in, without an Effect per read; offsets are checked all the same.
    const outOfRange = (offset: number, length: number): IoError | undefined => {
      const bad = rangeError(size, "read", offset, length)
      return bad === undefined ? undefined : new IoError({ message: bad.message, operation: "read", offset })
    }
    const directReader: DirectReader = {
      read: (offset, target, done) => {
        const bad = outOfRange(offset, target.length)
        if (bad !== undefined) return done(bad)
        if (!readMode.syncNow()) return transferThen("read", offset, target, done)
        const error = readNow(offset, target)
        // Called back later, as an asynchronous read would be.
        queueMicrotask(() => done(error))
      },
      syncNow: readMode.syncNow,
      readSync: options.syncReads === false
        ? undefined
        : (offset, target) => outOfRange(offset, target.length) ?? readNow(offset, target)
    }

    const flush = Effect.async<void, IoError>((resume) => {
      if (!begin()) return resume(Effect.fail(closedError("flush")))
      fs.fdatasync(fd, (error) => {
        end()
        resume(error === null ? Effect.void : Effect.fail(osError(path, "flush", error)))
      })
    })

    const readOnlyError = (offset: number, length: number): IoError =>
      new IoError({
        message: `write of ${length} bytes at device offset ${offset} on "${path}" refused: device is read-only`,
        operation: "write",
        offset
      })

    const service: WithDirectReader = {
      [directReadKey]: directReader,
      size,
      read: readFresh(size, (offset, target) => transfer("read", offset, target)),
      readInto: (offset, target) => {
        const bad = bytesRangeError(size, "read", offset, target)
        return bad === undefined ? transfer("read", offset, target) : Effect.fail(bad)
      },
      write: (offset, data) => {
        const bad = bytesRangeError(size, "write", offset, data)
        if (bad !== undefined) return Effect.fail(bad)
        return readOnly ? Effect.fail(readOnlyError(offset, data.length)) : transfer("write", offset, data)
      },
      // Nothing can have been written through a read-only descriptor.
      flush: readOnly ? Effect.void : flush
    }
    return service
  })
