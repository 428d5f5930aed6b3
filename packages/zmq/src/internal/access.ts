import type * as Green from "@effect-zmq/core/Green"
import { ZMQError } from "@effect-zmq/core/ZMQError"
import type { ZmqSocket } from "../ZmqSocket.ts"
import { canRecv, canSend, describe, invalid, SocketImpl } from "./socket.ts"

/**
 * The composition helpers work on the socket's green engine (design §3), never around it: this is how they reach
 * it. Anything that is not a socket made by `ZmqSocket.make` is bad input (`EINVAL`), and a socket type that cannot
 * go the asked direction is `ENOTSUP`, as for `send`/`recv` themselves.
 */
export const engineOf = (
  socket: ZmqSocket,
  operation: string,
  direction?: "recv" | "send"
): Green.GreenSocket | ZMQError => {
  if (!(socket instanceof SocketImpl)) {
    return ZMQError.make("EINVAL", operation, `socket must be a ZmqSocket made by ZmqSocket.make, got ${describe(socket)}`)
  }
  if (direction === "recv" && !canRecv.has(socket.type)) {
    return ZMQError.make("ENOTSUP", operation, `${socket.type} sockets cannot receive`)
  }
  if (direction === "send" && !canSend.has(socket.type)) {
    return ZMQError.make("ENOTSUP", operation, `${socket.type} sockets cannot send`)
  }
  return socket.engine
}

export { describe, invalid }

/** "Closed by its owner": `close`, the end of its Scope or of its context all fail the engine with ENOTSOCK. */
export const isClosedByOwner = (error: ZMQError): boolean => error.code === "ENOTSOCK"
