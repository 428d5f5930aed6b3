import { Effect } from "effect"
import { ZmqSocket } from "@effect-zmq/zmq"
import { decode, encode } from "../helpers.ts"

let inprocCounter = 0
/** A fresh inproc endpoint: a send that completes has put its message in the peer's pipe, so tests can count. */
export const inproc = (name: string) => `inproc://composition-${name}-${process.pid}-${++inprocCounter}`

/** PUSH → PULL over inproc. */
export const pushPull = (name: string, options?: { readonly pull?: ZmqSocket.MakeOptions; readonly push?: ZmqSocket.MakeOptions }) =>
  Effect.gen(function*() {
    const endpoint = inproc(name)
    const pull = yield* ZmqSocket.make("PULL", { ...options?.pull, bind: endpoint })
    const push = yield* ZmqSocket.make("PUSH", { ...options?.push, connect: endpoint })
    return [push, pull] as const
  })

export const sendNumbers = (socket: ZmqSocket.ZmqSocket, from: number, to: number) =>
  Effect.forEach(
    Array.from({ length: to - from }, (_, i) => from + i),
    (n) => socket.send(encode(String(n))),
    { discard: true }
  )

export const numbers = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

export const asNumber = (message: ReadonlyArray<Uint8Array>) => Number(decode(message[0]))

/** Waits, without timers, until `condition` holds: each turn lets other fibers and the event loop run once. */
export const eventually = (condition: () => boolean): Effect.Effect<void> =>
  Effect.suspend(() => condition() ? Effect.void : Effect.andThen(Effect.sleep(0), eventually(condition)))
