// Effect RPC over ZeroMQ: a typed service with a unary and a streaming call, its server and its client each in a
// child process (`node examples/rpc.ts` starts both, then stops the server once the client is done).
//   node examples/rpc.ts server <bind>      the server: prints "bound <endpoint>"
//   node examples/rpc.ts client <connect>   the client: calls, prints what it got, exits
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Schema, Stream } from "effect"
import { Rpc, RpcClient, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import { ZmqRpc } from "@effect-zmq/zmq"
import { NodeZmq } from "@effect-zmq/platform-node"

// --- the service, shared by both sides ---------------------------------------------------------------------------

class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", { id: Schema.Number }) {}

class Users extends RpcGroup.make(
  Rpc.make("GetUser", {
    payload: { id: Schema.Number },
    success: Schema.Struct({ id: Schema.Number, name: Schema.String }),
    error: UserNotFound
  }),
  Rpc.make("Countdown", { payload: { from: Schema.Number }, success: Schema.Number, stream: true })
) {}

const UsersLive = Users.toLayer({
  GetUser: ({ id }) => id === 1 ? Effect.succeed({ id, name: "Ada" }) : Effect.fail(new UserNotFound({ id })),
  Countdown: ({ from }) => Stream.iterate(from, (n) => n - 1).pipe(Stream.take(from + 1))
})

// --- the server: RpcServer over a ROUTER ------------------------------------------------------------------------

const server = (bind: string) =>
  Effect.gen(function*() {
    const { endpoints, protocol } = yield* ZmqRpc.makeProtocolServerWithEndpoints({ bind })
    yield* Effect.sync(() => process.stdout.write(`bound ${endpoints[0]}\n`))
    return yield* RpcServer.make(Users).pipe(Effect.provideService(RpcServer.Protocol, protocol))
  }).pipe(Effect.scoped, Effect.provide(UsersLive))

// --- the client: RpcClient over a DEALER ------------------------------------------------------------------------

const client = (connect: string) =>
  Effect.gen(function*() {
    const users = yield* RpcClient.make(Users)
    const ada = yield* users.GetUser({ id: 1 })
    yield* Effect.log(`GetUser(1): ${ada.name}`)
    const missing = yield* users.GetUser({ id: 2 }).pipe(
      Effect.catchTag("UserNotFound", (error) => Effect.succeed(`no user ${error.id}`))
    )
    yield* Effect.log(`GetUser(2): ${missing}`)
    const countdown = yield* users.Countdown({ from: 5 }).pipe(Stream.runCollect)
    yield* Effect.log(`Countdown(5): ${countdown.join(" ")}`)
  }).pipe(
    Effect.scoped,
    Effect.provide(ZmqRpc.layerProtocolClient({ connect })),
    Effect.timeout("20 seconds")
  )

// --- both, in child processes -----------------------------------------------------------------------------------

const both = Effect.gen(function*() {
  const self = fileURLToPath(import.meta.url)
  const run = (...args: Array<string>) =>
    Effect.acquireRelease(
      Effect.sync(() => spawn(process.execPath, ["--no-warnings", self, ...args], { stdio: ["ignore", "pipe", "inherit"] })),
      (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGTERM"))
    )
  const serverProcess = yield* run("server", "tcp://127.0.0.1:*")
  const endpoint = yield* Effect.callback<string>((resume) => {
    createInterface({ input: serverProcess.stdout! }).on("line", (line) => {
      if (line.startsWith("bound ")) resume(Effect.succeed(line.slice("bound ".length)))
    })
  }).pipe(Effect.timeout("20 seconds"))
  yield* Effect.log(`server listening on ${endpoint}`)
  const clientProcess = yield* run("client", endpoint)
  clientProcess.stdout!.pipe(process.stdout)
  const code = yield* Effect.callback<number | null>((resume) => {
    clientProcess.on("exit", (code) => resume(Effect.succeed(code)))
  })
  yield* Effect.log(`client exited with ${code}`)
  if (code !== 0) return yield* Effect.die(new Error(`the client failed (${code})`))
}).pipe(Effect.scoped)

const [role, endpoint = ""] = process.argv.slice(2)
const program = role === "server" ? server(endpoint) : role === "client" ? client(endpoint) : both

NodeZmq.runMain(program.pipe(Effect.provide(Layer.mergeAll(RpcSerialization.layerJson, NodeZmq.layer()))))
