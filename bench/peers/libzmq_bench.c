/* The C libzmq peer: the physical ceiling on this machine. Both ends in one process, as in the Node benchmarks:
 * the sender (or the REP echo) runs on a second thread, because libzmq's calls block.
 *
 *   libzmq_bench throughput ENDPOINT SIZE COUNT   -> {"perSecond": ...}
 *   libzmq_bench latency ENDPOINT SIZE COUNT WARMUP -> {"nanos": [...]}
 *
 * ENDPOINT is what to bind (tcp://127.0.0.1:* or ipc://PATH); the connecting side uses ZMQ_LAST_ENDPOINT.
 * Build: cc -O2 -o libzmq_bench libzmq_bench.c -lzmq -lpthread
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static void *context;
static char endpoint[256];
static size_t size;
static long count;
static long warmup;

static long long now_nanos(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void check(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
  }
}

/* The sender thread only sends: the main thread made the socket and closes it after the join (handing a socket
 * to a thread at pthread_create and back at pthread_join is the migration libzmq allows). Closing it here, right
 * after the last send, once lost the tail of the queue over ipc:// with Debian's libzmq 4.3.4 and hung the run. */
static void *push_thread(void *arg) {
  void *push = arg;
  char *data = calloc(1, size);
  for (long i = 0; i < count + 1; i++) check(zmq_send(push, data, size, 0), "send");
  free(data);
  return NULL;
}

static void *rep_thread(void *arg) {
  void *rep = arg;
  char *buffer = malloc(size + 1);
  for (long i = 0; i < warmup + count; i++) {
    int n = zmq_recv(rep, buffer, size + 1, 0);
    check(n, "recv");
    check(zmq_send(rep, buffer, (size_t)n, 0), "send");
  }
  free(buffer);
  return NULL;
}

static void bound(void *socket, const char *bind_to) {
  check(zmq_bind(socket, bind_to), "bind");
  size_t length = sizeof endpoint;
  check(zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, endpoint, &length), "ZMQ_LAST_ENDPOINT");
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s throughput|latency ENDPOINT SIZE COUNT [WARMUP]\n", argv[0]);
    return 2;
  }
  size = (size_t)atol(argv[3]);
  count = atol(argv[4]);
  warmup = argc > 5 ? atol(argv[5]) : 0;
  context = zmq_ctx_new();
  pthread_t thread;
  if (strcmp(argv[1], "throughput") == 0) {
    void *pull = zmq_socket(context, ZMQ_PULL);
    bound(pull, argv[2]);
    void *push = zmq_socket(context, ZMQ_PUSH);
    check(zmq_connect(push, endpoint), "connect");
    pthread_create(&thread, NULL, push_thread, push);
    zmq_msg_t message;
    zmq_msg_init(&message);
    check(zmq_msg_recv(&message, pull, 0), "recv"); /* the warm-up message proves the connection */
    long long started = now_nanos();
    for (long i = 0; i < count; i++) check(zmq_msg_recv(&message, pull, 0), "recv");
    long long elapsed = now_nanos() - started;
    zmq_msg_close(&message);
    pthread_join(thread, NULL);
    printf("{\"perSecond\": %.1f}\n", (double)count * 1e9 / (double)elapsed);
    zmq_close(push);
    zmq_close(pull);
  } else {
    void *rep = zmq_socket(context, ZMQ_REP);
    bound(rep, argv[2]);
    pthread_create(&thread, NULL, rep_thread, rep);
    void *req = zmq_socket(context, ZMQ_REQ);
    check(zmq_connect(req, endpoint), "connect");
    char *data = calloc(1, size + 1);
    long long *nanos = malloc(sizeof(long long) * (size_t)count);
    for (long i = 0; i < warmup + count; i++) {
      long long started = now_nanos();
      check(zmq_send(req, data, size, 0), "send");
      check(zmq_recv(req, data, size + 1, 0), "recv");
      if (i >= warmup) nanos[i - warmup] = now_nanos() - started;
    }
    pthread_join(thread, NULL);
    printf("{\"nanos\": [");
    for (long i = 0; i < count; i++) printf(i == 0 ? "%lld" : ",%lld", nanos[i]);
    printf("]}\n");
    free(nanos);
    free(data);
    zmq_close(req);
    zmq_close(rep);
  }
  zmq_ctx_term(context);
  return 0;
}
