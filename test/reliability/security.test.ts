/**
 * Security basics (issue 5, part 6): CURVE between two sockets with keys from `ZmqContext.curveKeyPair`, a client
 * with the wrong server key cannot talk; the `ZmqAuth` ZAP handler (an Effect service and Layer) accepts and rejects
 * by address, PLAIN user and CURVE public key as configured, and a rejected client's handshake failure shows in its
 * monitor events. "Cannot talk" is checked without timing: the server's monitor (or the client's) reports the
 * failed handshake, and only then do we check that nothing arrived.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Queue, Stream } from "effect"
import { ZmqAuth, ZmqContext, ZmqSocket } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"
import { decode, encode } from "../helpers.ts"

/** A context with a ZAP handler in it: `ZmqAuth` and `ZmqContext` both provided. */
const withAuth = (config: ZmqAuth.AuthConfig) => ZmqAuth.layer(config).pipe(Layer.provideMerge(NodeZmq.layer()))

/** Monitor events of a socket, in a queue; `next(tag)` waits (bounded) for the next event with that tag. */
const monitor = (socket: ZmqSocket.ZmqSocket) =>
  Effect.gen(function*() {
    const events = yield* Queue.unbounded<ZmqSocket.SocketEvent>()
    yield* Effect.forkScoped(ZmqSocket.events(socket).pipe(Stream.runForEach((event) => Queue.offer(events, event))), {
      startImmediately: true
    })
    return {
      next: <T extends ZmqSocket.SocketEvent["_tag"]>(tag: T) =>
        Effect.gen(function*() {
          for (;;) {
            const event = yield* Queue.take(events)
            if (event._tag === tag) return event as Extract<ZmqSocket.SocketEvent, { _tag: T }>
          }
        }).pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`no ${tag} event`)) }))
    }
  })

/** Nothing is waiting in the socket (a NOBLOCK receive fails with EAGAIN). */
const nothingArrived = (socket: ZmqSocket.ZmqSocket) =>
  Effect.gen(function*() {
    const result = yield* socket.recv({ flags: 1 }).pipe(Effect.flip)
    expect(result.code).toBe("EAGAIN")
  })

describe("CURVE", () => {
  it.live("encrypts between two sockets; a client with the wrong server key cannot talk", () =>
    Effect.gen(function*() {
      expect(ZmqContext.capability.curve).toBe(true)
      const server = yield* ZmqContext.curveKeyPair
      const client = yield* ZmqContext.curveKeyPair
      const impostor = yield* ZmqContext.curveKeyPair
      const pull = yield* ZmqSocket.make("PULL", {
        CURVE_SERVER: true,
        CURVE_SECRETKEY: server.secretKey,
        bind: "tcp://127.0.0.1:*"
      })
      const endpoint = yield* pull.lastEndpoint
      const serverEvents = yield* monitor(pull)
      const good = yield* ZmqSocket.make("PUSH", {
        CURVE_SERVERKEY: server.publicKey,
        CURVE_PUBLICKEY: client.publicKey,
        CURVE_SECRETKEY: client.secretKey,
        connect: endpoint
      })
      yield* good.sendString("over curve")
      expect(yield* pull.recvString().pipe(Effect.timeout("10 seconds"))).toBe("over curve")
      expect(yield* pull.getOption("MECHANISM")).toBe(2) // ZMQ_CURVE

      // the wrong server key: the handshake fails on the server (it cannot decrypt the client's HELLO)
      const wrong = yield* ZmqSocket.make("PUSH", {
        CURVE_SERVERKEY: impostor.publicKey,
        CURVE_PUBLICKEY: client.publicKey,
        CURVE_SECRETKEY: client.secretKey,
        connect: endpoint
      })
      yield* wrong.sendString("must not arrive")
      const failed = yield* serverEvents.next("HandshakeFailed")
      expect(failed.reason).toBe("protocol")
      yield* nothingArrived(pull)
      // and a plain (NULL) client cannot talk to a CURVE server either
      const plain = yield* ZmqSocket.make("PUSH", { connect: endpoint })
      yield* plain.sendString("must not arrive either")
      yield* serverEvents.next("HandshakeFailed")
      yield* nothingArrived(pull)
      // the good client still works
      yield* good.sendString("still here")
      expect(yield* pull.recvString().pipe(Effect.timeout("10 seconds"))).toBe("still here")
    }).pipe(Effect.scoped, Effect.provide(NodeZmq.layer())))
})

describe("ZmqAuth (ZAP handler as an Effect service)", () => {
  it.live("PLAIN: a known user with the right password gets in; a wrong password is rejected with ZAP 400", () =>
    Effect.gen(function*() {
      const pull = yield* ZmqSocket.make("PULL", { PLAIN_SERVER: true, bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* pull.lastEndpoint
      const admin = yield* ZmqSocket.make("PUSH", { PLAIN_USERNAME: "admin", PLAIN_PASSWORD: "secret", connect: endpoint })
      yield* admin.sendString("hello from admin")
      expect(yield* pull.recvString().pipe(Effect.timeout("10 seconds"))).toBe("hello from admin")

      const intruder = yield* ZmqSocket.make("PUSH", { PLAIN_USERNAME: "admin", PLAIN_PASSWORD: "guess" })
      const events = yield* monitor(intruder)
      yield* intruder.connect(endpoint)
      yield* intruder.sendString("let me in")
      const failed = yield* events.next("HandshakeFailed")
      expect(failed).toMatchObject({ reason: "auth", detail: "400" })
      yield* nothingArrived(pull)

      const unknown = yield* ZmqSocket.make("PUSH", { PLAIN_USERNAME: "nobody", PLAIN_PASSWORD: "secret" })
      const unknownEvents = yield* monitor(unknown)
      yield* unknown.connect(endpoint)
      expect(yield* unknownEvents.next("HandshakeFailed")).toMatchObject({ reason: "auth", detail: "400" })
      yield* nothingArrived(pull)

      const auth = yield* ZmqAuth.ZmqAuth
      expect(yield* auth.stats).toEqual({ accepted: 1, denied: 2 })
    }).pipe(Effect.scoped, Effect.provide(withAuth({ plain: { admin: "secret" } }))))

  it.live("address lists: a denied address is rejected, an allow list admits only its addresses", () =>
    Effect.gen(function*() {
      const auth = yield* ZmqAuth.ZmqAuth
      // NULL-mechanism sockets are checked only when they have a ZAP domain
      const pull = yield* ZmqSocket.make("PULL", { ZAP_DOMAIN: "global", bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* pull.lastEndpoint

      yield* auth.update({ deny: ["127.0.0.1"] })
      const denied = yield* ZmqSocket.make("PUSH")
      const deniedEvents = yield* monitor(denied)
      yield* denied.connect(endpoint)
      yield* denied.sendString("denied")
      expect(yield* deniedEvents.next("HandshakeFailed")).toMatchObject({ reason: "auth", detail: "400" })
      yield* nothingArrived(pull)
      yield* denied.close

      yield* auth.update({ allow: ["127.0.0.2"] })
      const notListed = yield* ZmqSocket.make("PUSH")
      const notListedEvents = yield* monitor(notListed)
      yield* notListed.connect(endpoint)
      expect(yield* notListedEvents.next("HandshakeFailed")).toMatchObject({ reason: "auth" })
      yield* notListed.close

      yield* auth.update({ allow: ["127.0.0.1"], deny: ["127.0.0.1"] }) // an allow list wins over the deny list
      const allowed = yield* ZmqSocket.make("PUSH", { connect: endpoint })
      yield* allowed.sendString("allowed")
      expect(yield* pull.recvString().pipe(Effect.timeout("10 seconds"))).toBe("allowed")

      // a bad configuration is refused and changes nothing
      const refused = yield* auth.update({ allow: "127.0.0.1" as unknown as Array<string> }).pipe(Effect.flip)
      expect(refused.code).toBe("EINVAL")
      expect((yield* auth.config).allow).toEqual(["127.0.0.1"])
    }).pipe(Effect.scoped, Effect.provide(withAuth({}))))

  it.live("CURVE public keys: a listed client key gets in, an unlisted one is rejected", () =>
    Effect.gen(function*() {
      const server = yield* ZmqContext.curveKeyPair
      const known = yield* ZmqContext.curveKeyPair
      const stranger = yield* ZmqContext.curveKeyPair
      const auth = yield* ZmqAuth.ZmqAuth
      yield* auth.update({ curve: [known.publicKey] })
      const pull = yield* ZmqSocket.make("PULL", { CURVE_SERVER: true, CURVE_SECRETKEY: server.secretKey, bind: "tcp://127.0.0.1:*" })
      const endpoint = yield* pull.lastEndpoint
      const clientOptions = (keys: { publicKey: string; secretKey: string }) => ({
        CURVE_SERVERKEY: server.publicKey,
        CURVE_PUBLICKEY: keys.publicKey,
        CURVE_SECRETKEY: keys.secretKey
      })
      const good = yield* ZmqSocket.make("PUSH", { ...clientOptions(known), connect: endpoint })
      yield* good.sendString("known key")
      expect(yield* pull.recvString().pipe(Effect.timeout("10 seconds"))).toBe("known key")

      const bad = yield* ZmqSocket.make("PUSH", clientOptions(stranger))
      const events = yield* monitor(bad)
      yield* bad.connect(endpoint)
      yield* bad.sendString("stranger")
      expect(yield* events.next("HandshakeFailed")).toMatchObject({ reason: "auth", detail: "400" })
      yield* nothingArrived(pull)

      // "any" admits every client that knows the server key
      yield* auth.update({ curve: "any" })
      const later = yield* ZmqSocket.make("PUSH", { ...clientOptions(stranger), connect: endpoint })
      yield* later.sendString("any key")
      expect(yield* pull.recvString().pipe(Effect.timeout("10 seconds"))).toBe("any key")
    }).pipe(Effect.scoped, Effect.provide(withAuth({}))))

  it.live("one handler per context (EADDRINUSE); bad configurations fail with EINVAL", () =>
    Effect.gen(function*() {
      const second = yield* Layer.build(ZmqAuth.layer({})).pipe(Effect.flip)
      expect(second.code).toBe("EADDRINUSE")
      const bad = yield* Layer.build(ZmqAuth.layer(null as unknown as ZmqAuth.AuthConfig)).pipe(Effect.flip)
      expect(bad.code).toBe("EINVAL")
    }).pipe(Effect.scoped, Effect.provide(withAuth({}))))

  it("decide: the rules as a pure function", () => {
    const request = (extra: Partial<ZmqAuth.AuthRequest>): ZmqAuth.AuthRequest => ({
      version: "1.0",
      requestId: encode("1"),
      domain: "",
      address: "10.0.0.1",
      identity: new Uint8Array(),
      mechanism: "NULL",
      ...extra
    })
    expect(ZmqAuth.decide({}, request({})).allowed).toBe(true)
    expect(ZmqAuth.decide({ deny: ["10.0.0.1"] }, request({})).allowed).toBe(false)
    expect(ZmqAuth.decide({ allow: ["10.0.0.2"] }, request({})).allowed).toBe(false)
    expect(ZmqAuth.decide({ domain: "a" }, request({ domain: "b" })).allowed).toBe(false)
    expect(ZmqAuth.decide({}, request({ mechanism: "PLAIN", username: "u", password: "p" })).allowed).toBe(false)
    expect(ZmqAuth.decide({ plain: { u: "p" } }, request({ mechanism: "PLAIN", username: "u", password: "p" }))).toMatchObject({ allowed: true, userId: "u" })
    expect(ZmqAuth.decide({ plain: { u: "p" } }, request({ mechanism: "PLAIN", username: "constructor", password: "p" })).allowed).toBe(false)
    expect(ZmqAuth.decide({ curve: "any" }, request({ mechanism: "CURVE", publicKey: "k" })).allowed).toBe(true)
    expect(ZmqAuth.decide({ curve: ["k"] }, request({ mechanism: "CURVE", publicKey: "x" })).allowed).toBe(false)
    expect(decode(encode("ok"))).toBe("ok")
  })
})
