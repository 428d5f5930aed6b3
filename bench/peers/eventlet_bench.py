"""The eventlet.green.zmq peer: the Python library effect-zmq is the Effect counterpart of. Both ends in one
process, on green threads, as in the Node benchmarks.

    python3 eventlet_bench.py throughput ENDPOINT SIZE COUNT        -> {"perSecond": ...}
    python3 eventlet_bench.py latency ENDPOINT SIZE COUNT WARMUP    -> {"nanos": [...]}

ENDPOINT is what to bind (tcp://127.0.0.1:* or ipc://PATH); the connecting side uses LAST_ENDPOINT.
"""
import json
import sys
import time

import eventlet
from eventlet.green import zmq


def throughput(context, endpoint, size, count):
    pull = context.socket(zmq.PULL)
    pull.bind(endpoint)
    push = context.socket(zmq.PUSH)
    push.connect(pull.getsockopt(zmq.LAST_ENDPOINT).decode())
    data = b"a" * size

    def send_all():
        for _ in range(count):
            push.send(data)

    push.send(data)
    pull.recv()  # the warm-up message proves the connection
    started = time.perf_counter_ns()
    sender = eventlet.spawn(send_all)
    for _ in range(count):
        pull.recv()
    elapsed = time.perf_counter_ns() - started
    sender.wait()
    push.close(linger=0)
    pull.close(linger=0)
    return {"perSecond": count * 1e9 / elapsed}


def latency(context, endpoint, size, count, warmup):
    rep = context.socket(zmq.REP)
    rep.bind(endpoint)
    req = context.socket(zmq.REQ)
    req.connect(rep.getsockopt(zmq.LAST_ENDPOINT).decode())

    def serve():
        for _ in range(warmup + count):
            rep.send(rep.recv())

    server = eventlet.spawn(serve)
    data = b"a" * size
    nanos = []
    for i in range(warmup + count):
        started = time.perf_counter_ns()
        req.send(data)
        req.recv()
        if i >= warmup:
            nanos.append(time.perf_counter_ns() - started)
    server.wait()
    req.close(linger=0)
    rep.close(linger=0)
    return {"nanos": nanos}


def main():
    mode, endpoint, size, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    context = zmq.Context()
    if mode == "throughput":
        result = throughput(context, endpoint, size, count)
    else:
        result = latency(context, endpoint, size, count, int(sys.argv[5]))
    context.term()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
