import * as Events from "@effect-zmq/core/Events"
import type * as Green from "@effect-zmq/core/Green"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import * as Duration from "effect/Duration"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { PollItem, PollOptions, PollReady, ZmqSocket } from "../ZmqSocket.ts"
import { describe, engineOf, invalid } from "./access.ts"

const ANY = Events.POLLIN | Events.POLLOUT

interface Resolved {
  readonly socket: ZmqSocket
  readonly engine: Green.GreenSocket
  readonly mask: number
}

const resolve = (items: Iterable<PollItem>): ReadonlyArray<Resolved> | ZMQError => {
  if (items === null || typeof items !== "object" || !(Symbol.iterator in items)) {
    return invalid("poll", `items must be an array of { socket, events }, got ${describe(items)}`)
  }
  const resolved: Array<Resolved> = []
  let index = 0
  for (const item of items) {
    const at = `items[${index++}]`
    if (item === null || typeof item !== "object") return invalid("poll", `${at} must be { socket, events }, got ${describe(item)}`)
    const mask = item.events ?? ANY
    if (!Number.isInteger(mask) || (mask & ANY) === 0 || (mask & ~(ANY | Events.POLLERR)) !== 0) {
      return invalid("poll", `${at}.events must be POLLIN, POLLOUT or both, got ${String(mask)}`)
    }
    const engine = engineOf(item.socket, "poll")
    if (engine instanceof ZMQError) return engine
    resolved.push({ socket: item.socket, engine, mask: mask & ANY })
  }
  return resolved
}

const timeoutOf = (options: PollOptions | undefined): Duration.Duration | undefined | ZMQError => {
  const input = options?.timeout
  if (input === undefined || (typeof input === "number" && input < 0)) return undefined
  const duration = Duration.fromInput(input)
  if (Option.isNone(duration)) return invalid("poll", `timeout must be a Duration input, got ${describe(input)}`)
  return Duration.isFinite(duration.value) ? duration.value : undefined
}

/** Asks every engine without waiting. `ready(mask, true)` reads EVENTS, so it also wakes that socket's waiters. */
const snapshot = (items: ReadonlyArray<Resolved>): Effect.Effect<ReadonlyArray<PollReady>, ZMQError> =>
  Effect.map(
    Effect.forEach(items, (item) => item.engine.ready(item.mask, true)),
    (events) => {
      const ready: Array<PollReady> = []
      for (let i = 0; i < items.length; i++) {
        if (events[i] !== 0) ready.push({ socket: items[i].socket, events: events[i] })
      }
      return ready
    }
  )

/**
 * zmq_poll on green engines: a first look answers at once when anything is ready (or the timeout is 0); otherwise
 * one readiness probe per socket races what is left of the timeout. Probes only watch (they take nothing), and the
 * losers are interrupted, which only unregisters them. After a probe wins, a second look reports every socket
 * ready by then; if another fiber took what woke the probe in between, the poll waits again.
 */
export const poll = (
  items: Iterable<PollItem>,
  options?: PollOptions
): Effect.Effect<ReadonlyArray<PollReady>, ZMQError> =>
  Effect.suspend(() => {
    const resolved = resolve(items)
    if (resolved instanceof ZMQError) return Effect.fail(resolved)
    const timeout = timeoutOf(options)
    if (timeout instanceof ZMQError) return Effect.fail(timeout)
    if (resolved.length === 0) {
      // nothing to watch: like zmq_poll with no items, this is a sleep
      return timeout === undefined ? Effect.never : Effect.as(Effect.sleep(timeout), [])
    }
    // the first probe to finish decides, a failure (a socket closed under the poll) included
    const wait = Effect.raceAllFirst(resolved.map((item) => item.engine.ready(item.mask, false)))
    return Effect.flatMap(Clock.currentTimeMillis, (start) => {
      const deadline = timeout === undefined ? undefined : start + Duration.toMillis(timeout)
      const loop: Effect.Effect<ReadonlyArray<PollReady>, ZMQError> = Effect.flatMap(snapshot(resolved), (ready) => {
        if (ready.length > 0 || deadline === start) return Effect.succeed(ready)
        if (deadline === undefined) return Effect.andThen(wait, loop)
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now >= deadline
            ? Effect.succeed(ready)
            : Effect.flatMap(
              Effect.timeoutOption(wait, deadline - now),
              (woke) => woke._tag === "None" ? Effect.succeed(ready) : loop
            ))
      })
      return loop
    })
  })
