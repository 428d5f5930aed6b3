import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/** The addon's watcher class (native/readiness.c). */
export interface NativeWatcher {
  start(): boolean
  stop(): void
  close(): void
}

export interface Addon {
  readonly Watcher: new(fd: number, onReadable: (status: number) => void) => NativeWatcher
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
  const addonPath = locate()
  if (addonPath instanceof Error) {
    loaded = addonPath
    return loaded
  }
  try {
    loaded = require(addonPath) as Addon
  } catch (error) {
    loaded = new Error(
      `@effect-zmq/platform-node: the readiness addon at ${addonPath} failed to load (${String(error)}). ` +
        "Rebuild it from source: `EFFECT_ZMQ_BUILD_FROM_SOURCE=1 npm rebuild @effect-zmq/platform-node --foreground-scripts` (or `pnpm rebuild`).",
      { cause: error }
    )
  }
  return loaded
}
