import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Deferred, Effect } from "effect"
import { Readiness } from "@effect-zmq/core"
import { NodeReadiness, NodeZmq } from "@effect-zmq/platform-node"
import * as zmq from "zeromq"

/** zeromq.js's raw option calls are protected in its typings and public at run time. */
const events = (socket: zmq.Socket) => (socket as unknown as { getInt32Option(id: number): number }).getInt32Option(15)
const fdOf = (socket: zmq.Socket) => (socket as unknown as { getInt32Option(id: number): number }).getInt32Option(14)

const watch = (fd: number, onSignal: () => void) =>
  Effect.gen(function*() {
    const readiness = yield* Readiness.Readiness
    return yield* readiness.watch(fd, onSignal)
  }).pipe(Effect.provide(NodeReadiness.layer))

/** Runs a small Node program and reports whether it exited on its own within `millis`. */
const exitsWithin = (source: string, millis: number) =>
  Effect.callback<boolean>((resume) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: "ignore"
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), millis)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      resume(Effect.succeed(signal === null && code === 0))
    })
  })

const program = (afterStart: string) => `
  import { createRequire } from "node:module"
  const zmq = createRequire(import.meta.url)("zeromq")
  const native = createRequire(import.meta.url)("./build/effect_zmq.node")
  const socket = new zmq.Pull()
  const handle = native.watchNew(socket.getInt32Option(14), () => {})
  const watcher = { stop: () => native.watchStop(handle), close: () => native.watchClose(handle) }
  native.watchStart(handle)
  ${afterStart}
`

describe("NodeReadiness (the uv_poll addon)", () => {
  it.effect("the addon loads", () => NodeZmq.check)

  it.live("signals when the socket's ZMQ_FD becomes readable, and resumes a waiting fiber", () =>
    Effect.gen(function*() {
      const pull = new zmq.Pull({ receiveTimeout: 0 })
      yield* Effect.promise(() => pull.bind("tcp://127.0.0.1:*"))
      const push = new zmq.Push()
      push.connect(pull.lastEndpoint!)
      const signalled = yield* Deferred.make<void>()
      const w = yield* watch(fdOf(pull), () => Deferred.doneUnsafe(signalled, Effect.void))
      events(pull) // consume the edges so far
      w.start()
      yield* Effect.promise(() => push.send("x"))
      yield* Deferred.await(signalled).pipe(Effect.timeout("5 seconds"))
      expect(events(pull) & 1).toBe(1)
      w.stop()
      w.close()
      w.close()
      w.start()
      push.close()
      pull.close()
    }))

  it.live("a bad descriptor is a typed error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(watch(-1, () => {}))
      expect(error._tag).toBe("ZMQError")
      expect(error.code).toBe("EINVAL")
    }))

  it.live("a started watch keeps the process alive; a stopped or closed one does not", () =>
    Effect.gen(function*() {
      expect(yield* exitsWithin(program("watcher.stop(); socket.close()"), 5000)).toBe(true)
      expect(yield* exitsWithin(program("watcher.close(); socket.close()"), 5000)).toBe(true)
      // left started, nothing else pending: the loop stays alive until we kill it
      expect(yield* exitsWithin(program(""), 1000)).toBe(false)
    }))
})
