// The effect-zmq builds under test, each with its own copy of `effect`: the one in this repository (the synchronous
// libzmq binding) and, when EFFECT_ZMQ_BEFORE names a checkout of an earlier effect-zmq (e.g. a worktree at
// 9b7a45e, the zeromq.js-promise engine, with its `pnpm install` done), that one too, so that one run measures
// before and after side by side.
//
// An earlier checkout has its own node_modules and so its own `effect` (the same version, another module instance).
// Each build's scenarios run with the `effect` its packages import: mixing them would hand one runtime's fibers
// and services to the other.
import { NodeZmq } from "@effect-zmq/platform-node"
import { ZmqSocket } from "@effect-zmq/zmq"
import { Effect, Fiber, Stream } from "effect"
import { realpathSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { BEFORE, EFFECT } from "./Report.ts"

/** What a scenario needs of one effect-zmq build and its `effect`. */
export interface Lib {
  readonly name: string
  readonly Effect: typeof Effect
  readonly Fiber: typeof Fiber
  readonly Stream: typeof Stream
  readonly ZmqSocket: typeof ZmqSocket
  readonly NodeZmq: typeof NodeZmq
}

/** This repository's effect-zmq. */
export const current: Lib = { name: EFFECT, Effect, Fiber, Stream, ZmqSocket, NodeZmq }

/** The checkout of the earlier build, or undefined when `EFFECT_ZMQ_BEFORE` is not set. */
export const beforePath = (): string | undefined => {
  const path = process.env["EFFECT_ZMQ_BEFORE"]
  return path === undefined || path === "" ? undefined : path
}

const importFrom = (file: string): Promise<Record<string, unknown>> =>
  import(pathToFileURL(realpathSync(file)).href) as Promise<Record<string, unknown>>

/**
 * Loads the earlier build from its checkout: its `zmq` and `platform-node` sources and the `effect` they resolve
 * (the package `packages/zmq` links, by its real path, which is the URL its own imports resolve to).
 */
export const loadBefore = async (root: string): Promise<Lib> => {
  const effect = await importFrom(join(root, "packages", "zmq", "node_modules", "effect", "dist", "index.js"))
  const zmq = await importFrom(join(root, "packages", "zmq", "src", "index.ts"))
  const platform = await importFrom(join(root, "packages", "platform-node", "src", "index.ts"))
  const pick = <A>(module: Record<string, unknown>, name: string, from: string): A => {
    const value = module[name]
    if (value === undefined) throw new Error(`EFFECT_ZMQ_BEFORE=${root}: ${from} exports no ${name}`)
    return value as A
  }
  return {
    name: BEFORE,
    // the earlier build's API is the same where the scenarios use it; its types are those of its own sources
    Effect: pick(effect, "Effect", "effect"),
    Fiber: pick(effect, "Fiber", "effect"),
    Stream: pick(effect, "Stream", "effect"),
    ZmqSocket: pick(zmq, "ZmqSocket", "packages/zmq"),
    NodeZmq: pick(platform, "NodeZmq", "packages/platform-node")
  }
}
