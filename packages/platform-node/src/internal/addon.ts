import type { ContextHandle, SocketHandle } from "@effect-zmq/core/Binding"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/** An opaque readiness watch (a napi external over a uv_poll; native/effect_zmq.c). */
export interface WatchHandle {
  readonly "~@effect-zmq/platform-node/WatchHandle": unique symbol
}

/** What `init` reports when a libzmq was bound. */
export interface Description {
  /** The file the functions were resolved in. */
  readonly file: string
  /** How it was found. */
  readonly how: string
  readonly version: string
  readonly capabilities: {
    readonly ipc: boolean
    readonly pgm: boolean
    readonly tipc: boolean
    readonly norm: boolean
    readonly curve: boolean
    readonly gssapi: boolean
    readonly draft: boolean
  }
  /** The optional (draft API) functions the library exports. */
  readonly draftFunctions: ReadonlyArray<string>
}

/** The slots of {@link Addon.shared}. */
export const SHARED_MORE = 0
export const SHARED_LENGTH = 1
export const SHARED_ROUTING_ID = 2
export const SHARED_SLAB_GENERATION = 3
export const SHARED_ERRNO = 4

/** Option kinds as the addon numbers them: 0 int32, 1 uint32, 2 int64, 3 uint64, 4 boolean, 5 string, 6 bytes. */
export type Kind = 0 | 1 | 2 | 3 | 4 | 5 | 6

/**
 * The native module (native/effect_zmq.c). Plain functions taking a handle first; every libzmq failure is a
 * number (see each comment), never an exception. A `TypeError` is thrown only for misuse of this internal API.
 */
export interface Addon {
  /** more, length, routing id of the last received frame; the slab generation; the errno of a failed getOption. */
  readonly shared: Int32Array
  /** Binds libzmq: the zeromq addon's path (or null to try only the fallbacks). A string says why none could be. */
  readonly init: (path: string | null) => Description | string
  readonly errnos: () => Record<string, number>
  readonly strerror: (errno: number) => string

  /** A context, or the errno. */
  readonly contextNew: () => ContextHandle | number
  readonly contextSet: (context: ContextHandle, option: number, value: number) => number
  /** The value, or a negative errno. */
  readonly contextGet: (context: ContextHandle, option: number) => number
  readonly contextTerm: (context: ContextHandle, onDone: (status: number) => void) => void

  /** A socket, or the errno. */
  readonly socket: (context: ContextHandle, type: number) => SocketHandle | number
  readonly close: (socket: SocketHandle) => number
  readonly bind: (socket: SocketHandle, endpoint: string) => number
  readonly unbind: (socket: SocketHandle, endpoint: string) => number
  readonly connect: (socket: SocketHandle, endpoint: string) => number
  readonly disconnect: (socket: SocketHandle, endpoint: string) => number
  /** The value, or `undefined` with the errno in `shared[SHARED_ERRNO]`. */
  readonly getOption: (socket: SocketHandle, option: number, kind: Kind) => number | boolean | string | Buffer | undefined
  readonly setOption: (
    socket: SocketHandle,
    option: number,
    kind: Kind,
    value: number | boolean | string | Uint8Array | null
  ) => number
  /** `ZMQ_EVENTS`, or a negative errno. */
  readonly events: (socket: SocketHandle) => number
  /** The fd to watch, or a negative errno. */
  readonly fd: (socket: SocketHandle) => number

  /** An offset into the current slab (length in `shared`), a Buffer of its own (large frames), or a negative errno. */
  readonly recv: (socket: SocketHandle, flags: number, properties: boolean) => number | Buffer
  /** The current slab. */
  readonly slab: () => ArrayBuffer
  readonly lastProperties: () => {
    readonly routingId?: number
    readonly group?: string
    readonly "User-Id"?: string
    readonly "Peer-Address"?: string
  }
  readonly send: (socket: SocketHandle, data: Uint8Array, flags: number) => number
  readonly sendMessage: (
    socket: SocketHandle,
    frames: ReadonlyArray<Uint8Array>,
    flags: number,
    release: (() => void) | undefined,
    routingId: number | undefined,
    group: string | Uint8Array | undefined
  ) => number
  readonly join: (socket: SocketHandle, group: string | Uint8Array) => number
  readonly leave: (socket: SocketHandle, group: string | Uint8Array) => number
  readonly monitor: (socket: SocketHandle, endpoint: string | null, events: number) => number

  readonly curveKeyPair: () => { readonly publicKey: string; readonly secretKey: string } | number
  readonly curvePublic: (secretKey: string) => string | number
  readonly z85Encode: (data: Uint8Array) => string | number
  readonly z85Decode: (text: string) => Buffer | number

  /** A watch on a dup() of `fd`, or the errno. The caller must keep `onReadable` alive (it is held weakly). */
  readonly watchNew: (fd: number, onReadable: (status: number) => void) => WatchHandle | number
  /** 0, or a positive errno. */
  readonly watchStart: (watch: WatchHandle) => number
  readonly watchStop: (watch: WatchHandle) => void
  readonly watchClose: (watch: WatchHandle) => void
  readonly watchStarted: (watch: WatchHandle) => boolean
}

const require = createRequire(import.meta.url)
// The package root (from src/internal and from dist/internal alike). node-gyp-build finds the addon in it: a source
// build in build/Release, else the prebuilt binary in prebuilds/<platform>-<arch> for this libc.
const packageRoot = fileURLToPath(new URL("../..", import.meta.url))

/** The path of the addon for this platform, or an Error saying why there is none and what to do. */
const locate = (): string | Error => {
  try {
    return (require("node-gyp-build") as { resolve(dir: string): string }).resolve(packageRoot)
  } catch (error) {
    return new Error(
      `@effect-zmq/platform-node: no native addon for ${process.platform}-${process.arch} in ${packageRoot}: ` +
        "no prebuilt binary ships for this platform and the install script did not build one from source (it " +
        "needs a C compiler; with pnpm the package's build must be allowed). Install a C compiler (Debian/Ubuntu: " +
        "apt-get install gcc libc6-dev; Alpine: apk add build-base; macOS: xcode-select --install), then run " +
        "`npm rebuild @effect-zmq/platform-node --foreground-scripts` or `pnpm rebuild @effect-zmq/platform-node` " +
        "and read its output. When bundling, keep @effect-zmq/platform-node external.",
      { cause: error }
    )
  }
}

let loaded: Addon | Error | undefined

/** Loads the addon once; a missing or broken build becomes an Error that says what to do. */
export const load = (): Addon | Error => {
  if (loaded !== undefined) return loaded
  if (process.platform === "win32") {
    loaded = new Error(
      "@effect-zmq/platform-node: Windows is not supported: zeromq.js's Windows addon does not export the libzmq C " +
        "API, and the readiness driver watches a POSIX file descriptor. Use Linux or macOS (or WSL)."
    )
    return loaded
  }
  const addonPath = locate()
  if (addonPath instanceof Error) {
    loaded = addonPath
    return loaded
  }
  try {
    loaded = require(addonPath) as Addon
  } catch (error) {
    loaded = new Error(
      `@effect-zmq/platform-node: the native addon at ${addonPath} failed to load (${String(error)}). ` +
        "Rebuild it from source: `EFFECT_ZMQ_BUILD_FROM_SOURCE=1 npm rebuild @effect-zmq/platform-node --foreground-scripts` (or `pnpm rebuild`).",
      { cause: error }
    )
  }
  return loaded
}

let bound: { readonly addon: Addon; readonly description: Description } | Error | undefined

/**
 * Loads the addon and binds libzmq once: the libzmq inside the `zeromq` package's prebuilt addon (the path it
 * actually loaded, read from `require.cache`), or `EFFECT_ZMQ_LIBZMQ` when set, then the fallbacks in C (a loaded
 * object defining `zmq_msg_send`, the system `libzmq.so.5` / `libzmq.5.dylib`). The Error says what was tried.
 */
export const bind = (): { readonly addon: Addon; readonly description: Description } | Error => {
  if (bound !== undefined) return bound
  const addon = load()
  if (addon instanceof Error) {
    bound = addon
    return bound
  }
  let path: string | null = process.env.EFFECT_ZMQ_LIBZMQ ?? null
  let zeromqNote = ""
  if (path === null) {
    const require = createRequire(import.meta.url)
    try {
      require("zeromq")
      path = Object.keys(require.cache).find((key) => /zeromq/.test(key) && key.endsWith("addon.node")) ?? null
      if (path === null) zeromqNote = "the zeromq package loaded, but no addon.node of it is in require.cache; "
    } catch (error) {
      zeromqNote = `the zeromq package could not be loaded (${String(error)}); `
    }
  }
  const result = addon.init(path)
  if (typeof result === "string") {
    bound = new Error(
      `@effect-zmq/platform-node: no libzmq could be bound: ${zeromqNote}${result}. ` +
        "The binding uses the libzmq C API that zeromq.js's prebuilt addon exports on Linux and macOS: reinstall " +
        "zeromq@6.8.0 (`pnpm install`), or install a system libzmq 4.x (Debian: apt-get install libzmq5; macOS: " +
        "brew install zeromq), or point EFFECT_ZMQ_LIBZMQ at a libzmq shared library."
    )
    return bound
  }
  bound = { addon, description: result }
  return bound
}
