// Raw zeromq.js, the baseline: the same scenarios as EffectZmq.ts, written as its README writes them
// (`await send` / `await receive`, default options).
import * as zmq from "zeromq"
import type { Transport } from "./Config.ts"
import { bindEndpoint, nowNanos, payload } from "./Measure.ts"

export const throughput = async (transport: Transport, size: number, count: number): Promise<number> => {
  const { cleanup, endpoint } = bindEndpoint(transport)
  const pull = new zmq.Pull()
  const push = new zmq.Push()
  try {
    await pull.bind(endpoint)
    push.connect(pull.lastEndpoint!)
    const data = payload(size)
    await push.send(data)
    await pull.receive()
    const started = nowNanos()
    const sending = (async () => {
      for (let i = 0; i < count; i++) await push.send(data)
    })()
    for (let i = 0; i < count; i++) await pull.receive()
    const elapsed = nowNanos() - started
    await sending
    return (count * 1e9) / elapsed
  } finally {
    push.close()
    pull.close()
    cleanup()
  }
}

export const latency = async (size: number, roundTrips: number, warmup: number): Promise<Array<number>> => {
  const rep = new zmq.Reply()
  const req = new zmq.Request()
  try {
    await rep.bind("tcp://127.0.0.1:*")
    req.connect(rep.lastEndpoint!)
    const serving = (async () => {
      try {
        for (;;) {
          const [message] = await rep.receive()
          await rep.send(message!)
        }
      } catch {
        // the socket closed: the benchmark is over
      }
    })()
    const data = payload(size)
    const samples: Array<number> = []
    for (let i = 0; i < warmup + roundTrips; i++) {
      const started = nowNanos()
      await req.send(data)
      await req.receive()
      if (i >= warmup) samples.push(nowNanos() - started)
    }
    rep.close()
    await serving
    return samples
  } finally {
    req.close()
    rep.close()
  }
}

export const fanout = async (
  subscribers: number,
  count: number
): Promise<{ readonly delivered: number; readonly seconds: number }> => {
  const pub = new zmq.Publisher()
  const subs = Array.from({ length: subscribers }, () => new zmq.Subscriber())
  let markers: ReturnType<typeof setInterval> | undefined
  try {
    await pub.bind("tcp://127.0.0.1:*")
    for (const sub of subs) {
      sub.connect(pub.lastEndpoint!)
      sub.subscribe()
    }
    // PUB/SUB's slow joiner: publish hellos until every subscriber has one, then drain what is left of them
    const hellos = setInterval(() => void pub.send(Buffer.from([0x68])), 5)
    await Promise.all(subs.map((sub) => sub.receive()))
    clearInterval(hellos)
    await new Promise((resolve) => setTimeout(resolve, 20))
    for (const sub of subs) {
      sub.receiveTimeout = 0
      try {
        for (;;) await sub.receive()
      } catch {
        // EAGAIN: drained
      }
      sub.receiveTimeout = -1
    }
    const data = payload(16)
    const started = nowNanos()
    const receivers = subs.map(async (sub) => {
      let delivered = 0
      for (;;) {
        const [message] = await sub.receive()
        if (message![0] === 0x7a && message!.byteLength === 1) return delivered
        delivered++
      }
    })
    for (let i = 0; i < count; i++) await pub.send(data)
    markers = setInterval(() => void pub.send(Buffer.from([0x7a])), 1)
    const counts = await Promise.all(receivers)
    const seconds = (nowNanos() - started) / 1e9
    return { delivered: counts.reduce((sum, n) => sum + n, 0), seconds }
  } finally {
    if (markers !== undefined) clearInterval(markers)
    for (const sub of subs) sub.close()
    pub.close()
  }
}
