import { existsSync } from "node:fs"
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

const addonPath = fileURLToPath(new URL("../../build/readiness.node", import.meta.url))

let loaded: Addon | Error | undefined

/** Loads the addon once; a missing or broken build becomes an Error that says what to do. */
export const load = (): Addon | Error => {
  if (loaded !== undefined) return loaded
  if (!existsSync(addonPath)) {
    loaded = new Error(
      `@effect-zmq/platform-node: the readiness addon is not built (${addonPath} is missing). ` +
        "It is built by this package's install script, which needs a C compiler and Node's headers: run " +
        "`pnpm rebuild @effect-zmq/platform-node` (or `node scripts/build-addon.mjs` in the package) and read its output."
    )
    return loaded
  }
  try {
    loaded = createRequire(import.meta.url)(addonPath) as Addon
  } catch (error) {
    loaded = new Error(
      `@effect-zmq/platform-node: the readiness addon at ${addonPath} failed to load (${String(error)}). ` +
        "Rebuild it for this Node: `pnpm rebuild @effect-zmq/platform-node`.",
      { cause: error }
    )
  }
  return loaded
}
