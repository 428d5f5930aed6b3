/*
 * effect-zmq native addon: a synchronous, non-blocking binding of libzmq's C API, and the readiness driver (a
 * uv_poll on a dup() of a socket's ZMQ_FD).
 *
 * libzmq is not linked: init(path) finds a loaded copy of it at run time (the one inside zeromq.js's addon.node,
 * which exports the C API on Linux and macOS), with fallbacks, and resolves the functions with dlsym into `api`.
 * No zmq.h is needed: the few types, prototypes and constants used are declared below.
 *
 * Conventions (see packages/core/src/Binding.ts): calls return 0 or a positive errno (status), a value or a number
 * (errno), or a negative errno (events, fd). Nothing throws for a libzmq failure; EINTR is retried here. A
 * TypeError is thrown only for misuse of this internal API that the TypeScript wrapper rules out.
 *
 * Lifetimes: contexts, sockets and watches are napi externals whose struct is freed only by the external's
 * finalizer (so a handle that JavaScript can still pass is never dangling); closing marks the struct closed, and
 * every later call returns ENOTSOCK.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <link.h>
#endif
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

/* ---------------------------------------------------------------------------------------------------------------
 * libzmq declarations (no zmq.h)
 * ------------------------------------------------------------------------------------------------------------- */

typedef struct {
  unsigned char _[64];
} __attribute__((aligned(sizeof(void*)))) zmq_msg_t;
typedef void(zmq_free_fn)(void* data, void* hint);
typedef struct {
  void* socket;
  int fd;
  void* user_data;
  short events;
} zmq_poller_event_t;

#define ZMQ_HAUSNUMERO 156384712
#ifndef ENOTSUP
#define ENOTSUP (ZMQ_HAUSNUMERO + 1)
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT (ZMQ_HAUSNUMERO + 2)
#endif
#ifndef ENOBUFS
#define ENOBUFS (ZMQ_HAUSNUMERO + 3)
#endif
#ifndef ENETDOWN
#define ENETDOWN (ZMQ_HAUSNUMERO + 4)
#endif
#ifndef EADDRINUSE
#define EADDRINUSE (ZMQ_HAUSNUMERO + 5)
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL (ZMQ_HAUSNUMERO + 6)
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED (ZMQ_HAUSNUMERO + 7)
#endif
#ifndef EINPROGRESS
#define EINPROGRESS (ZMQ_HAUSNUMERO + 8)
#endif
#ifndef ENOTSOCK
#define ENOTSOCK (ZMQ_HAUSNUMERO + 9)
#endif
#ifndef EMSGSIZE
#define EMSGSIZE (ZMQ_HAUSNUMERO + 10)
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT (ZMQ_HAUSNUMERO + 11)
#endif
#ifndef ENETUNREACH
#define ENETUNREACH (ZMQ_HAUSNUMERO + 12)
#endif
#ifndef ECONNABORTED
#define ECONNABORTED (ZMQ_HAUSNUMERO + 13)
#endif
#ifndef ECONNRESET
#define ECONNRESET (ZMQ_HAUSNUMERO + 14)
#endif
#ifndef ENOTCONN
#define ENOTCONN (ZMQ_HAUSNUMERO + 15)
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT (ZMQ_HAUSNUMERO + 16)
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH (ZMQ_HAUSNUMERO + 17)
#endif
#define EFSM (ZMQ_HAUSNUMERO + 51)
#define ENOCOMPATPROTO (ZMQ_HAUSNUMERO + 52)
#define ETERM (ZMQ_HAUSNUMERO + 53)
#define EMTHREAD (ZMQ_HAUSNUMERO + 54)

#define ZMQ_DONTWAIT 1
#define ZMQ_SNDMORE 2
#define ZMQ_POLLIN 1
#define ZMQ_POLLOUT 2
#define ZMQ_FD 14
#define ZMQ_EVENTS 15
#define ZMQ_CURVE_PUBLICKEY 48
#define ZMQ_CURVE_SECRETKEY 49
#define ZMQ_CURVE_SERVERKEY 50
#define ZMQ_BLOCKY 70
#define ZMQ_THREAD_SAFE 81

typedef struct {
  void* (*ctx_new)(void);
  int (*ctx_set)(void*, int, int);
  int (*ctx_get)(void*, int);
  int (*ctx_term)(void*);
  void* (*socket)(void*, int);
  int (*close)(void*);
  int (*bind)(void*, const char*);
  int (*unbind)(void*, const char*);
  int (*connect)(void*, const char*);
  int (*disconnect)(void*, const char*);
  int (*getsockopt)(void*, int, void*, size_t*);
  int (*setsockopt)(void*, int, const void*, size_t);
  int (*send)(void*, const void*, size_t, int);
  int (*msg_init)(zmq_msg_t*);
  int (*msg_init_size)(zmq_msg_t*, size_t);
  int (*msg_init_data)(zmq_msg_t*, void*, size_t, zmq_free_fn*, void*);
  void* (*msg_data)(zmq_msg_t*);
  size_t (*msg_size)(const zmq_msg_t*);
  int (*msg_more)(const zmq_msg_t*);
  int (*msg_send)(zmq_msg_t*, void*, int);
  int (*msg_recv)(zmq_msg_t*, void*, int);
  int (*msg_close)(zmq_msg_t*);
  const char* (*msg_gets)(const zmq_msg_t*, const char*);
  int (*errno_)(void);
  const char* (*strerror)(int);
  void (*version)(int*, int*, int*);
  int (*has)(const char*);
  int (*socket_monitor)(void*, const char*, int);
  int (*curve_keypair)(char*, char*);
  int (*curve_public)(char*, const char*);
  char* (*z85_encode)(char*, const uint8_t*, size_t);
  uint8_t* (*z85_decode)(uint8_t*, const char*);
  /* draft API: optional */
  int (*msg_set_routing_id)(zmq_msg_t*, uint32_t);
  uint32_t (*msg_routing_id)(zmq_msg_t*);
  int (*msg_set_group)(zmq_msg_t*, const char*);
  const char* (*msg_group)(zmq_msg_t*);
  int (*join)(void*, const char*);
  int (*leave)(void*, const char*);
  void* (*poller_new)(void);
  int (*poller_destroy)(void**);
  int (*poller_add)(void*, void*, void*, short);
  int (*poller_fd)(void*, int*);
  int (*poller_wait_all)(void*, zmq_poller_event_t*, int, long);
} zmq_api;

typedef struct {
  const char* name;
  size_t offset;
  int required;
} api_entry;

#define ENTRY(field, name, required) {name, offsetof(zmq_api, field), required}
static const api_entry api_entries[] = {
  ENTRY(ctx_new, "zmq_ctx_new", 1), ENTRY(ctx_set, "zmq_ctx_set", 1), ENTRY(ctx_get, "zmq_ctx_get", 1),
  ENTRY(ctx_term, "zmq_ctx_term", 1), ENTRY(socket, "zmq_socket", 1), ENTRY(close, "zmq_close", 1),
  ENTRY(bind, "zmq_bind", 1), ENTRY(unbind, "zmq_unbind", 1), ENTRY(connect, "zmq_connect", 1),
  ENTRY(disconnect, "zmq_disconnect", 1), ENTRY(getsockopt, "zmq_getsockopt", 1),
  ENTRY(setsockopt, "zmq_setsockopt", 1), ENTRY(send, "zmq_send", 1), ENTRY(msg_init, "zmq_msg_init", 1),
  ENTRY(msg_init_size, "zmq_msg_init_size", 1), ENTRY(msg_init_data, "zmq_msg_init_data", 1),
  ENTRY(msg_data, "zmq_msg_data", 1), ENTRY(msg_size, "zmq_msg_size", 1), ENTRY(msg_more, "zmq_msg_more", 1),
  ENTRY(msg_send, "zmq_msg_send", 1), ENTRY(msg_recv, "zmq_msg_recv", 1), ENTRY(msg_close, "zmq_msg_close", 1),
  ENTRY(msg_gets, "zmq_msg_gets", 1), ENTRY(errno_, "zmq_errno", 1), ENTRY(strerror, "zmq_strerror", 1),
  ENTRY(version, "zmq_version", 1), ENTRY(has, "zmq_has", 1), ENTRY(socket_monitor, "zmq_socket_monitor", 1),
  ENTRY(curve_keypair, "zmq_curve_keypair", 1), ENTRY(curve_public, "zmq_curve_public", 1),
  ENTRY(z85_encode, "zmq_z85_encode", 1), ENTRY(z85_decode, "zmq_z85_decode", 1),
  ENTRY(msg_set_routing_id, "zmq_msg_set_routing_id", 0), ENTRY(msg_routing_id, "zmq_msg_routing_id", 0),
  ENTRY(msg_set_group, "zmq_msg_set_group", 0), ENTRY(msg_group, "zmq_msg_group", 0),
  ENTRY(join, "zmq_join", 0), ENTRY(leave, "zmq_leave", 0), ENTRY(poller_new, "zmq_poller_new", 0),
  ENTRY(poller_destroy, "zmq_poller_destroy", 0), ENTRY(poller_add, "zmq_poller_add", 0),
  ENTRY(poller_fd, "zmq_poller_fd", 0), ENTRY(poller_wait_all, "zmq_poller_wait_all", 0),
};
#define API_COUNT (sizeof(api_entries) / sizeof(api_entries[0]))

/* libzmq is process-global: it is bound once, by the first environment that asks. */
static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;
static zmq_api api;
static int api_ready = 0;
static char api_file[1024];
static char api_how[64];

/* ---------------------------------------------------------------------------------------------------------------
 * Per-environment state
 * ------------------------------------------------------------------------------------------------------------- */

enum {
  S_MORE = 0,       /* RCVMORE of the last received frame */
  S_LENGTH = 1,     /* its length */
  S_ROUTING_ID = 2, /* its routing id (uint32 bits), 0 for none */
  S_SLAB_GEN = 3,   /* bumped whenever a new slab replaces the current one */
  S_ERRNO = 4,      /* the errno of a failed getOption (which returns undefined then) */
  S_SIZE = 8
};

#define SLAB_SIZE (64 * 1024)
#define SLAB_MAX_FRAME 4096
#define ZERO_COPY_MIN (8 * 1024)
#define GROUP_MAX 256
#define META_MAX 1024

typedef struct {
  napi_env env;
  napi_ref shared_ref;
  int32_t* shared;
  napi_ref slab_ref;
  uint8_t* slab;
  size_t slab_used;
  napi_threadsafe_function tsfn; /* zero-copy frees from libzmq's threads, run on the main thread */
  /* libzmq may free a zero-copied frame on its I/O thread after this environment is gone (a lingering message at
     exit): zc_lock guards the tsfn's liveness, and the state outlives the environment while frames are out */
  pthread_mutex_t zc_lock;
  int zc_alive;
  int zc_outstanding;
  int zc_orphaned;
  /* properties of the last received frame */
  char group[GROUP_MAX];
  int has_meta;
  int has_user_id;
  int has_peer_address;
  char user_id[META_MAX];
  char peer_address[META_MAX];
} env_state;

#define CTX_MAGIC 0x7a637478u
#define SOCK_MAGIC 0x7a736f6bu
#define WATCH_MAGIC 0x7a776174u

typedef struct {
  uint32_t magic;
  int state; /* 0 live, 1 terminating, 2 terminated */
  int finalized;
  int status;
  void* ctx;
  napi_async_work work;
  napi_ref on_done;
} zctx;

typedef struct {
  uint32_t magic;
  int closed;
  int thread_safe;
  void* socket;
  void* poller; /* thread-safe sockets: a zmq_poller holding the socket, whose fd is the readiness fd */
} zsock;

/* ---------------------------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------------------------- */

static inline int zerrno(void) { return api.errno_(); }

static napi_value make_int(napi_env env, int32_t value) {
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

static napi_value make_string(napi_env env, const char* text, size_t length) {
  napi_value out;
  if (napi_create_string_utf8(env, text, length, &out) != napi_ok) return NULL;
  return out;
}

static napi_value type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, "EINVAL", message);
  return NULL;
}

static env_state* get_args(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  void* data = NULL;
  size_t capacity = *argc;
  if (napi_get_cb_info(env, info, argc, argv, NULL, &data) != napi_ok) return NULL;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  for (size_t i = *argc; i < capacity; i++) argv[i] = undefined;
  return (env_state*)data;
}

/* The socket of an external, or NULL with *err set to EINVAL (not a socket handle) or ENOTSOCK (closed). */
static zsock* get_socket(napi_env env, napi_value value, int* err) {
  void* data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL || ((zsock*)data)->magic != SOCK_MAGIC) {
    *err = EINVAL;
    return NULL;
  }
  zsock* so = (zsock*)data;
  if (so->closed) {
    *err = ENOTSOCK;
    return NULL;
  }
  return so;
}

static zctx* get_context(napi_env env, napi_value value) {
  void* data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL || ((zctx*)data)->magic != CTX_MAGIC)
    return NULL;
  return (zctx*)data;
}

/* A JS string as UTF-8 in `stack` (or a malloc'd buffer the caller frees when it differs from `stack`). */
static char* get_string(napi_env env, napi_value value, char* stack, size_t stack_size, size_t* length) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &n) != napi_ok) return NULL;
  char* out = stack;
  if (n + 1 > stack_size) {
    out = (char*)malloc(n + 1);
    if (out == NULL) return NULL;
  }
  if (napi_get_value_string_utf8(env, value, out, n + 1, &n) != napi_ok) {
    if (out != stack) free(out);
    return NULL;
  }
  if (length != NULL) *length = n;
  return out;
}

/* The bytes of any TypedArray (a Buffer is one) or DataView. */
static int get_bytes(napi_env env, napi_value value, void** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type type;
    size_t count = 0;
    if (napi_get_typedarray_info(env, value, &type, &count, data, NULL, NULL) != napi_ok) return 0;
    size_t width = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: width = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
      default: width = 1;
    }
    *length = count * width;
    if (*data == NULL) *data = (void*)"";
    return 1;
  }
  bool is_view = false;
  if (napi_is_dataview(env, value, &is_view) == napi_ok && is_view) {
    if (napi_get_dataview_info(env, value, length, data, NULL, NULL) != napi_ok) return 0;
    if (*data == NULL) *data = (void*)"";
    return 1;
  }
  return 0;
}

static int is_type(napi_env env, napi_value value, napi_valuetype wanted) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == wanted;
}

/* An endpoint/group argument: a string into `buffer` (returns a pointer to free if != buffer), or NULL. */
#define STACK_STRING 512

/* ---------------------------------------------------------------------------------------------------------------
 * Loading libzmq
 * ------------------------------------------------------------------------------------------------------------- */

static int bind_api(void* handle, zmq_api* out, char* missing, size_t missing_size) {
  memset(out, 0, sizeof(*out));
  int ok = 1;
  missing[0] = 0;
  for (size_t i = 0; i < API_COUNT; i++) {
    void* fn = dlsym(handle, api_entries[i].name);
    memcpy((char*)out + api_entries[i].offset, &fn, sizeof(fn));
    if (fn == NULL && api_entries[i].required) {
      ok = 0;
      size_t used = strlen(missing);
      if (used + strlen(api_entries[i].name) + 3 < missing_size)
        snprintf(missing + used, missing_size - used, "%s%s", used ? ", " : "", api_entries[i].name);
    }
  }
  return ok;
}

#if defined(__linux__)
typedef struct {
  char path[1024];
  int found;
} scan_result;

static int scan_object(struct dl_phdr_info* info, size_t size, void* data) {
  (void)size;
  scan_result* result = (scan_result*)data;
  if (info->dlpi_name == NULL || info->dlpi_name[0] == 0) return 0;
  void* handle = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == NULL) return 0;
  int has = dlsym(handle, "zmq_msg_send") != NULL && dlsym(handle, "zmq_ctx_new") != NULL;
  dlclose(handle);
  if (!has) return 0;
  snprintf(result->path, sizeof(result->path), "%s", info->dlpi_name);
  result->found = 1;
  return 1;
}
#endif

/* Tries one candidate; on success the api is bound and its handle kept open for the life of the process. */
static int try_candidate(const char* path, int flags, const char* how, char* report, size_t report_size) {
  void* handle = dlopen(path, flags);
  size_t used = strlen(report);
  if (handle == NULL) {
    const char* why = dlerror();
    snprintf(report + used, report_size - used, "%s%s (%s): not loadable: %s", used ? "; " : "", path, how,
             why ? why : "unknown error");
    return 0;
  }
  zmq_api candidate;
  char missing[512];
  if (!bind_api(handle, &candidate, missing, sizeof(missing))) {
    snprintf(report + used, report_size - used, "%s%s (%s): does not export %s", used ? "; " : "", path, how,
             missing);
    dlclose(handle);
    return 0;
  }
  api = candidate;
  api_ready = 1;
  snprintf(api_file, sizeof(api_file), "%s", path);
  snprintf(api_how, sizeof(api_how), "%s", how);
  return 1;
}

static napi_value describe(napi_env env) {
  napi_value out, caps, value;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "file", make_string(env, api_file, NAPI_AUTO_LENGTH));
  napi_set_named_property(env, out, "how", make_string(env, api_how, NAPI_AUTO_LENGTH));
  int major = 0, minor = 0, patch = 0;
  api.version(&major, &minor, &patch);
  char version[64];
  snprintf(version, sizeof(version), "%d.%d.%d", major, minor, patch);
  napi_set_named_property(env, out, "version", make_string(env, version, NAPI_AUTO_LENGTH));
  napi_create_object(env, &caps);
  static const char* names[] = {"ipc", "pgm", "tipc", "norm", "curve", "gssapi", "draft"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    napi_get_boolean(env, api.has(names[i]) != 0, &value);
    napi_set_named_property(env, caps, names[i], value);
  }
  napi_set_named_property(env, out, "capabilities", caps);
  /* which optional (draft) functions the library exports */
  napi_value draft;
  napi_create_array(env, &draft);
  uint32_t n = 0;
  for (size_t i = 0; i < API_COUNT; i++) {
    if (api_entries[i].required) continue;
    void* fn;
    memcpy(&fn, (char*)&api + api_entries[i].offset, sizeof(fn));
    if (fn != NULL) napi_set_element(env, draft, n++, make_string(env, api_entries[i].name, NAPI_AUTO_LENGTH));
  }
  napi_set_named_property(env, out, "draftFunctions", draft);
  return out;
}

/* init(path | null): binds libzmq; returns a description object, or a string saying what was tried and why not. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  char stack[STACK_STRING];
  char* path = NULL;
  if (is_type(env, argv[0], napi_string)) path = get_string(env, argv[0], stack, sizeof(stack), NULL);

  pthread_mutex_lock(&api_lock);
  char report[4096];
  report[0] = 0;
  if (!api_ready && path != NULL) {
    if (!try_candidate(path, RTLD_LAZY | RTLD_NOLOAD, "the zeromq addon.node already loaded", report,
                       sizeof(report)))
      try_candidate(path, RTLD_LAZY | RTLD_LOCAL, "the zeromq addon.node, opened again", report, sizeof(report));
  }
#if defined(__linux__)
  if (!api_ready) {
    scan_result result;
    memset(&result, 0, sizeof(result));
    dl_iterate_phdr(scan_object, &result);
    if (result.found) {
      try_candidate(result.path, RTLD_LAZY | RTLD_NOLOAD, "a loaded object defining zmq_msg_send", report,
                    sizeof(report));
    } else {
      size_t used = strlen(report);
      snprintf(report + used, sizeof(report) - used, "%sno loaded object defines zmq_msg_send", used ? "; " : "");
    }
  }
#elif defined(__APPLE__)
  if (!api_ready) {
    uint32_t count = _dyld_image_count();
    for (uint32_t i = 0; i < count && !api_ready; i++) {
      const char* name = _dyld_get_image_name(i);
      if (name == NULL) continue;
      void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
      if (handle == NULL) continue;
      int has = dlsym(handle, "zmq_msg_send") != NULL;
      dlclose(handle);
      if (has) try_candidate(name, RTLD_LAZY | RTLD_NOLOAD, "a loaded image defining zmq_msg_send", report,
                             sizeof(report));
    }
  }
#endif
  if (!api_ready) {
#if defined(__APPLE__)
    static const char* system_names[] = {"libzmq.5.dylib", "/opt/homebrew/lib/libzmq.5.dylib",
                                         "/usr/local/lib/libzmq.5.dylib"};
#else
    static const char* system_names[] = {"libzmq.so.5", "libzmq.so"};
#endif
    for (size_t i = 0; i < sizeof(system_names) / sizeof(system_names[0]) && !api_ready; i++)
      try_candidate(system_names[i], RTLD_LAZY | RTLD_LOCAL, "the system libzmq", report, sizeof(report));
  }
  int ready = api_ready;
  pthread_mutex_unlock(&api_lock);
  if (path != NULL && path != stack) free(path);
  if (!ready) return make_string(env, report, NAPI_AUTO_LENGTH);
  return describe(env);
}

/* ---------------------------------------------------------------------------------------------------------------
 * errno, strerror
 * ------------------------------------------------------------------------------------------------------------- */

static napi_value js_errnos(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_object(env, &out);
#define E(name) napi_set_named_property(env, out, #name, make_int(env, name));
  E(EAGAIN) E(EFSM) E(ETERM) E(ENOTSOCK) E(EINVAL) E(EADDRINUSE) E(EADDRNOTAVAIL) E(EPROTONOSUPPORT) E(ENOTSUP)
  E(EHOSTUNREACH) E(EMTHREAD) E(ENOCOMPATPROTO) E(ENODEV) E(EMFILE) E(EINTR) E(ENOBUFS) E(ENETDOWN) E(ENETUNREACH)
  E(ECONNREFUSED) E(ECONNABORTED) E(ECONNRESET) E(ENOTCONN) E(ETIMEDOUT) E(EINPROGRESS) E(EMSGSIZE) E(EAFNOSUPPORT)
  E(ENOENT) E(EACCES) E(EPERM) E(ENOMEM) E(EFAULT) E(EBUSY)
#undef E
  return out;
}

static napi_value js_strerror(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  int32_t code = 0;
  if (napi_get_value_int32(env, argv[0], &code) != napi_ok) return type_error(env, "errno must be a number");
  const char* text = api_ready ? api.strerror(code) : strerror(code);
  return make_string(env, text ? text : "Unknown error", NAPI_AUTO_LENGTH);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Contexts
 * ------------------------------------------------------------------------------------------------------------- */

static void ctx_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  zctx* c = (zctx*)data;
  /* a live context that nobody terminated is left to libzmq (terminating it could block forever) */
  if (c->state == 1) {
    c->finalized = 1; /* the async work frees it */
    return;
  }
  c->magic = 0;
  free(c);
}

static napi_value js_ctx_new(napi_env env, napi_callback_info info) {
  (void)info;
  if (!api_ready) return make_int(env, ENODEV);
  void* ctx = api.ctx_new();
  if (ctx == NULL) return make_int(env, zerrno());
  api.ctx_set(ctx, ZMQ_BLOCKY, 0);
  zctx* c = (zctx*)calloc(1, sizeof(zctx));
  if (c == NULL) goto fail_ctx;
  c->magic = CTX_MAGIC;
  c->ctx = ctx;
  napi_value out;
  if (napi_create_external(env, c, ctx_finalize, NULL, &out) != napi_ok) goto fail_struct;
  return out;
fail_struct:
  free(c);
fail_ctx:
  api.ctx_term(ctx);
  return make_int(env, ENOMEM);
}

static napi_value js_ctx_set(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  get_args(env, info, &argc, argv);
  zctx* c = get_context(env, argv[0]);
  int32_t option, value;
  if (c == NULL || napi_get_value_int32(env, argv[1], &option) != napi_ok ||
      napi_get_value_int32(env, argv[2], &value) != napi_ok)
    return make_int(env, EINVAL);
  if (c->state != 0) return make_int(env, ETERM);
  return make_int(env, api.ctx_set(c->ctx, option, value) == 0 ? 0 : zerrno());
}

static napi_value js_ctx_get(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  get_args(env, info, &argc, argv);
  zctx* c = get_context(env, argv[0]);
  int32_t option;
  if (c == NULL || napi_get_value_int32(env, argv[1], &option) != napi_ok) return make_int(env, -EINVAL);
  if (c->state != 0) return make_int(env, -ETERM);
  int rc = api.ctx_get(c->ctx, option);
  return make_int(env, rc < 0 ? -zerrno() : rc);
}

static void term_execute(napi_env env, void* data) {
  (void)env;
  zctx* c = (zctx*)data;
  int rc;
  do rc = api.ctx_term(c->ctx);
  while (rc != 0 && zerrno() == EINTR);
  c->status = rc == 0 ? 0 : zerrno();
}

static void term_complete(napi_env env, napi_status status, void* data) {
  (void)status;
  zctx* c = (zctx*)data;
  c->state = 2;
  napi_delete_async_work(env, c->work);
  c->work = NULL;
  napi_value callback = NULL, global, argv[1], result;
  if (c->on_done != NULL) {
    napi_get_reference_value(env, c->on_done, &callback);
    napi_delete_reference(env, c->on_done);
    c->on_done = NULL;
  }
  int result_status = c->status;
  if (c->finalized) {
    c->magic = 0;
    free(c);
  }
  if (callback != NULL && napi_get_global(env, &global) == napi_ok) {
    argv[0] = make_int(env, result_status);
    napi_call_function(env, global, callback, 1, argv, &result);
  }
}

/* contextTerm(context, onDone) */
static napi_value js_ctx_term(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], global, result, name, cbargv[1];
  get_args(env, info, &argc, argv);
  if (!is_type(env, argv[1], napi_function)) return type_error(env, "contextTerm: onDone must be a function");
  zctx* c = get_context(env, argv[0]);
  if (c == NULL || c->state != 0) {
    napi_get_global(env, &global);
    cbargv[0] = make_int(env, c == NULL ? EINVAL : 0);
    napi_call_function(env, global, argv[1], 1, cbargv, &result);
    return NULL;
  }
  if (napi_create_string_utf8(env, "effect-zmq:contextTerm", NAPI_AUTO_LENGTH, &name) != napi_ok) goto fail;
  if (napi_create_reference(env, argv[1], 1, &c->on_done) != napi_ok) goto fail;
  if (napi_create_async_work(env, NULL, name, term_execute, term_complete, c, &c->work) != napi_ok) goto fail_ref;
  if (napi_queue_async_work(env, c->work) != napi_ok) goto fail_work;
  c->state = 1;
  return NULL;
fail_work:
  napi_delete_async_work(env, c->work);
  c->work = NULL;
fail_ref:
  napi_delete_reference(env, c->on_done);
  c->on_done = NULL;
fail:
  napi_get_global(env, &global);
  cbargv[0] = make_int(env, ENOMEM);
  napi_call_function(env, global, argv[1], 1, cbargv, &result);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Sockets
 * ------------------------------------------------------------------------------------------------------------- */

static void socket_release(zsock* so) {
  if (so->closed) return;
  so->closed = 1;
  if (so->poller != NULL) api.poller_destroy(&so->poller);
  so->poller = NULL;
  api.close(so->socket);
  so->socket = NULL;
}

static void socket_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  zsock* so = (zsock*)data;
  socket_release(so); /* an unclosed socket that nobody can reach any more is closed (with its LINGER) */
  so->magic = 0;
  free(so);
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  get_args(env, info, &argc, argv);
  zctx* c = get_context(env, argv[0]);
  int32_t type;
  if (c == NULL || napi_get_value_int32(env, argv[1], &type) != napi_ok) return make_int(env, EINVAL);
  if (c->state == 2) return make_int(env, ETERM);
  void* s = api.socket(c->ctx, type);
  if (s == NULL) return make_int(env, zerrno());
  zsock* so = (zsock*)calloc(1, sizeof(zsock));
  if (so == NULL) goto fail_socket;
  so->magic = SOCK_MAGIC;
  so->socket = s;
  int thread_safe = 0;
  size_t size = sizeof(thread_safe);
  if (api.getsockopt(s, ZMQ_THREAD_SAFE, &thread_safe, &size) == 0) so->thread_safe = thread_safe != 0;
  if (napi_create_external(env, so, socket_finalize, NULL, &out) != napi_ok) goto fail_struct;
  return out;
fail_struct:
  free(so);
fail_socket:
  api.close(s);
  return make_int(env, ENOMEM);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err == ENOTSOCK ? 0 : err);
  socket_release(so);
  return make_int(env, 0);
}

typedef int (*endpoint_fn)(void*, const char*);

static napi_value endpoint_call(napi_env env, napi_callback_info info, int which) {
  size_t argc = 2;
  napi_value argv[2];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err);
  if (!is_type(env, argv[1], napi_string)) return make_int(env, EINVAL);
  char stack[STACK_STRING];
  char* endpoint = get_string(env, argv[1], stack, sizeof(stack), NULL);
  if (endpoint == NULL) return make_int(env, ENOMEM);
  endpoint_fn fn = which == 0 ? api.bind : which == 1 ? api.unbind : which == 2 ? api.connect : api.disconnect;
  int rc;
  do rc = fn(so->socket, endpoint);
  while (rc != 0 && (err = zerrno()) == EINTR);
  if (endpoint != stack) free(endpoint);
  return make_int(env, rc == 0 ? 0 : err);
}

static napi_value js_bind(napi_env env, napi_callback_info info) { return endpoint_call(env, info, 0); }
static napi_value js_unbind(napi_env env, napi_callback_info info) { return endpoint_call(env, info, 1); }
static napi_value js_connect(napi_env env, napi_callback_info info) { return endpoint_call(env, info, 2); }
static napi_value js_disconnect(napi_env env, napi_callback_info info) { return endpoint_call(env, info, 3); }

enum { K_INT32, K_UINT32, K_INT64, K_UINT64, K_BOOLEAN, K_STRING, K_BYTES };

static int get_kind(napi_env env, napi_value value) {
  int32_t kind;
  if (napi_get_value_int32(env, value, &kind) != napi_ok || kind < K_INT32 || kind > K_BYTES) return -1;
  return kind;
}

static int getsockopt_retry(void* s, int option, void* value, size_t* size) {
  int rc;
  do rc = api.getsockopt(s, option, value, size);
  while (rc != 0 && zerrno() == EINTR);
  return rc == 0 ? 0 : zerrno();
}

/* getOption(socket, option, kind): the value, or undefined with the errno in shared[S_ERRNO] (a number could be
   either). kind: 0 int32 … 6 bytes */
static napi_value getsockopt_failed(napi_env env, env_state* st, int err) {
  (void)env;
  st->shared[S_ERRNO] = err;
  return NULL;
}

static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  env_state* st = get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return getsockopt_failed(env, st, err);
  int32_t option;
  int kind = get_kind(env, argv[2]);
  if (napi_get_value_int32(env, argv[1], &option) != napi_ok || kind < 0) return getsockopt_failed(env, st, EINVAL);
  switch (kind) {
    case K_INT32:
    case K_BOOLEAN: {
      int value = 0;
      size_t size = sizeof(value);
      if ((err = getsockopt_retry(so->socket, option, &value, &size)) != 0) return getsockopt_failed(env, st, err);
      if (kind == K_BOOLEAN) napi_get_boolean(env, value != 0, &out);
      else napi_create_int32(env, value, &out);
      return out;
    }
    case K_UINT32: {
      uint32_t value = 0;
      size_t size = sizeof(value);
      if ((err = getsockopt_retry(so->socket, option, &value, &size)) != 0) return getsockopt_failed(env, st, err);
      napi_create_uint32(env, value, &out);
      return out;
    }
    case K_INT64: {
      int64_t value = 0;
      size_t size = sizeof(value);
      if ((err = getsockopt_retry(so->socket, option, &value, &size)) != 0) return getsockopt_failed(env, st, err);
      napi_create_double(env, (double)value, &out);
      return out;
    }
    case K_UINT64: {
      uint64_t value = 0;
      size_t size = sizeof(value);
      if ((err = getsockopt_retry(so->socket, option, &value, &size)) != 0) return getsockopt_failed(env, st, err);
      napi_create_double(env, (double)value, &out);
      return out;
    }
    case K_STRING: {
      char value[4096];
      /* CURVE keys as text: asking with room for 41 bytes gives the Z85 form */
      size_t size = option == ZMQ_CURVE_PUBLICKEY || option == ZMQ_CURVE_SECRETKEY || option == ZMQ_CURVE_SERVERKEY
                      ? 41
                      : sizeof(value);
      if ((err = getsockopt_retry(so->socket, option, value, &size)) != 0) return getsockopt_failed(env, st, err);
      while (size > 0 && value[size - 1] == 0) size--;
      return make_string(env, value, size);
    }
    default: { /* K_BYTES */
      uint8_t value[4096];
      size_t size = sizeof(value);
      if (option == ZMQ_CURVE_PUBLICKEY || option == ZMQ_CURVE_SECRETKEY || option == ZMQ_CURVE_SERVERKEY) size = 32;
      if ((err = getsockopt_retry(so->socket, option, value, &size)) != 0) return getsockopt_failed(env, st, err);
      void* data;
      napi_value buffer;
      if (napi_create_buffer_copy(env, size, value, &data, &buffer) != napi_ok) return getsockopt_failed(env, st, ENOMEM);
      return buffer;
    }
  }
}

/* setOption(socket, option, kind, value): status */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err);
  int32_t option;
  int kind = get_kind(env, argv[2]);
  if (napi_get_value_int32(env, argv[1], &option) != napi_ok || kind < 0) return make_int(env, EINVAL);
  napi_valuetype type;
  if (napi_typeof(env, argv[3], &type) != napi_ok) return make_int(env, EINVAL);
  const void* data = NULL;
  size_t size = 0;
  int int_value = 0;
  uint32_t uint_value = 0;
  int64_t i64_value = 0;
  uint64_t u64_value = 0;
  char stack[STACK_STRING];
  char* text = NULL;
  switch (kind) {
    case K_INT32:
    case K_UINT32:
    case K_INT64:
    case K_UINT64: {
      double number;
      if (type != napi_number || napi_get_value_double(env, argv[3], &number) != napi_ok) return make_int(env, EINVAL);
      if (number != (double)(int64_t)number) return make_int(env, EINVAL);
      if (kind == K_INT32) {
        if (number < -2147483648.0 || number > 2147483647.0) return make_int(env, EINVAL);
        int_value = (int)number;
        data = &int_value;
        size = sizeof(int_value);
      } else if (kind == K_UINT32) {
        if (number < 0 || number > 4294967295.0) return make_int(env, EINVAL);
        uint_value = (uint32_t)number;
        data = &uint_value;
        size = sizeof(uint_value);
      } else if (kind == K_INT64) {
        i64_value = (int64_t)number;
        data = &i64_value;
        size = sizeof(i64_value);
      } else {
        if (number < 0) return make_int(env, EINVAL);
        u64_value = (uint64_t)number;
        data = &u64_value;
        size = sizeof(u64_value);
      }
      break;
    }
    case K_BOOLEAN: {
      bool flag;
      if (type == napi_boolean) napi_get_value_bool(env, argv[3], &flag);
      else if (type == napi_number) {
        double number;
        napi_get_value_double(env, argv[3], &number);
        flag = number != 0;
      } else
        return make_int(env, EINVAL);
      int_value = flag ? 1 : 0;
      data = &int_value;
      size = sizeof(int_value);
      break;
    }
    case K_STRING:
    case K_BYTES: {
      if (type == napi_null) break;
      if (type == napi_string) {
        text = get_string(env, argv[3], stack, sizeof(stack), &size);
        if (text == NULL) return make_int(env, ENOMEM);
        data = text;
      } else {
        void* bytes;
        if (!get_bytes(env, argv[3], &bytes, &size)) return make_int(env, EINVAL);
        data = bytes;
      }
      break;
    }
  }
  int rc;
  do rc = api.setsockopt(so->socket, option, data, size);
  while (rc != 0 && (err = zerrno()) == EINTR);
  if (text != NULL && text != stack) free(text);
  return make_int(env, rc == 0 ? 0 : err);
}

static int poller_reset(zsock* so) {
  if (so->poller == NULL) return 0;
  zmq_poller_event_t event;
  api.poller_wait_all(so->poller, &event, 1, 0); /* zero timeout: only resets the poller's signal */
  return 0;
}

/* events(socket): ZMQ_EVENTS, or a negative errno */
static napi_value js_events(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, -err);
  if (so->poller != NULL) poller_reset(so);
  int value = 0;
  size_t size = sizeof(value);
  if ((err = getsockopt_retry(so->socket, ZMQ_EVENTS, &value, &size)) != 0) return make_int(env, -err);
  return make_int(env, value);
}

/* fd(socket): the descriptor to watch, or a negative errno */
static napi_value js_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, -err);
  int fd = -1;
  if (!so->thread_safe) {
    size_t size = sizeof(fd);
    if ((err = getsockopt_retry(so->socket, ZMQ_FD, &fd, &size)) != 0) return make_int(env, -err);
    return make_int(env, fd);
  }
  if (so->poller == NULL) {
    if (api.poller_new == NULL || api.poller_add == NULL || api.poller_fd == NULL || api.poller_wait_all == NULL ||
        api.poller_destroy == NULL)
      return make_int(env, -ENOTSUP);
    void* poller = api.poller_new();
    if (poller == NULL) return make_int(env, -zerrno());
    if (api.poller_add(poller, so->socket, NULL, ZMQ_POLLIN | ZMQ_POLLOUT) != 0) {
      err = zerrno();
      api.poller_destroy(&poller);
      return make_int(env, -err);
    }
    so->poller = poller;
  }
  if (api.poller_fd(so->poller, &fd) != 0) return make_int(env, -zerrno());
  return make_int(env, fd);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Receive: small frames are copied into a slab (JavaScript makes subarray views; a region is never reused), large
 * ones get a Buffer of their own. "more", the length and the routing id go through the shared Int32Array.
 * ------------------------------------------------------------------------------------------------------------- */

static int new_slab(napi_env env, env_state* st) {
  napi_value buffer;
  void* data = NULL;
  napi_ref ref;
  if (napi_create_arraybuffer(env, SLAB_SIZE, &data, &buffer) != napi_ok) return 0;
  if (napi_create_reference(env, buffer, 1, &ref) != napi_ok) return 0;
  if (st->slab_ref != NULL) napi_delete_reference(env, st->slab_ref);
  st->slab_ref = ref;
  st->slab = (uint8_t*)data;
  st->slab_used = 0;
  st->shared[S_SLAB_GEN]++;
  return 1;
}

static napi_value js_slab(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  env_state* st = get_args(env, info, &argc, NULL);
  napi_value out;
  if (st->slab_ref == NULL || napi_get_reference_value(env, st->slab_ref, &out) != napi_ok) return NULL;
  return out;
}

static void copy_meta(const zmq_msg_t* msg, const char* name, char* out, int* has) {
  const char* value = api.msg_gets(msg, name);
  *has = value != NULL;
  if (value != NULL) snprintf(out, META_MAX, "%s", value);
  else out[0] = 0;
}

/* recv(socket, flags, properties): an offset into the slab (>= 0), a Buffer, or a negative errno */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  env_state* st = get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, -err);
  int32_t flags = 0;
  bool properties = false;
  if (napi_get_value_int32(env, argv[1], &flags) != napi_ok) return make_int(env, -EINVAL);
  napi_get_value_bool(env, argv[2], &properties);
  zmq_msg_t msg;
  api.msg_init(&msg);
  int rc;
  do rc = api.msg_recv(&msg, so->socket, flags);
  while (rc < 0 && (err = zerrno()) == EINTR);
  if (rc < 0) {
    api.msg_close(&msg);
    return make_int(env, -err);
  }
  size_t size = api.msg_size(&msg);
  int32_t* shared = st->shared;
  shared[S_MORE] = api.msg_more(&msg);
  shared[S_LENGTH] = (int32_t)size;
  shared[S_ROUTING_ID] = api.msg_routing_id != NULL ? (int32_t)api.msg_routing_id(&msg) : 0;
  const char* group = api.msg_group != NULL ? api.msg_group(&msg) : NULL;
  if (group != NULL && group[0] != 0) snprintf(st->group, GROUP_MAX, "%s", group);
  else st->group[0] = 0;
  st->has_meta = properties;
  if (properties) {
    copy_meta(&msg, "User-Id", st->user_id, &st->has_user_id);
    copy_meta(&msg, "Peer-Address", st->peer_address, &st->has_peer_address);
  }
  napi_value out;
  if (size <= SLAB_MAX_FRAME) {
    if (st->slab == NULL || st->slab_used + size > SLAB_SIZE) {
      if (!new_slab(env, st)) {
        api.msg_close(&msg); /* the frame is lost: report it rather than hide it */
        return make_int(env, -ENOMEM);
      }
    }
    size_t offset = st->slab_used;
    if (size > 0) memcpy(st->slab + offset, api.msg_data(&msg), size);
    st->slab_used = (offset + size + 7) & ~(size_t)7;
    api.msg_close(&msg);
    return make_int(env, (int32_t)offset);
  }
  void* data;
  napi_status status = napi_create_buffer_copy(env, size, api.msg_data(&msg), &data, &out);
  api.msg_close(&msg);
  if (status != napi_ok) return make_int(env, -ENOMEM);
  return out;
}

/* lastProperties(): the routing id, group and (when asked) metadata of the last received frame */
static napi_value js_last_properties(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  env_state* st = get_args(env, info, &argc, NULL);
  napi_value out, value;
  napi_create_object(env, &out);
  if (st->shared[S_ROUTING_ID] != 0) {
    napi_create_uint32(env, (uint32_t)st->shared[S_ROUTING_ID], &value);
    napi_set_named_property(env, out, "routingId", value);
  }
  if (st->group[0] != 0) napi_set_named_property(env, out, "group", make_string(env, st->group, NAPI_AUTO_LENGTH));
  if (st->has_meta && st->has_user_id)
    napi_set_named_property(env, out, "User-Id", make_string(env, st->user_id, NAPI_AUTO_LENGTH));
  if (st->has_meta && st->has_peer_address)
    napi_set_named_property(env, out, "Peer-Address", make_string(env, st->peer_address, NAPI_AUTO_LENGTH));
  return out;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Send
 * ------------------------------------------------------------------------------------------------------------- */

/* send(socket, data, flags): status */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err);
  void* data;
  size_t size;
  int32_t flags;
  if (!get_bytes(env, argv[1], &data, &size) || napi_get_value_int32(env, argv[2], &flags) != napi_ok)
    return make_int(env, EINVAL);
  int rc;
  do rc = api.send(so->socket, data, size, flags);
  while (rc < 0 && (err = zerrno()) == EINTR);
  return make_int(env, rc < 0 ? err : 0);
}

/* A zero-copy message's release: the JS callback runs once every zero-copied frame is freed and the send is over. */
typedef struct {
  napi_ref release;
  int pending;
} tracker;

typedef struct {
  tracker* tracker;
  napi_ref buffer;
  env_state* st;
  int inline_free; /* freed on the main thread inside our own call (a failed send) */
} zc_hint;

/* One zero-copied frame fewer in flight; frees an orphaned state with the last one. */
static void zc_settle(env_state* st) {
  pthread_mutex_lock(&st->zc_lock);
  int free_state = --st->zc_outstanding == 0 && st->zc_orphaned;
  pthread_mutex_unlock(&st->zc_lock);
  if (free_state) {
    pthread_mutex_destroy(&st->zc_lock);
    free(st);
  }
}

static void tracker_dec(napi_env env, tracker* t) {
  if (--t->pending > 0) return;
  napi_value release = NULL, global, result;
  if (env != NULL && t->release != NULL) {
    napi_get_reference_value(env, t->release, &release);
    napi_delete_reference(env, t->release);
  }
  free(t);
  if (release != NULL && napi_get_global(env, &global) == napi_ok)
    napi_call_function(env, global, release, 0, NULL, &result);
}

static void zc_done(napi_env env, zc_hint* h) {
  env_state* st = h->st;
  if (env != NULL && h->buffer != NULL) napi_delete_reference(env, h->buffer);
  tracker_dec(env, h->tracker);
  free(h);
  zc_settle(st);
}

/* libzmq's free callback: any thread. */
static void zc_free(void* data, void* hint) {
  (void)data;
  zc_hint* h = (zc_hint*)hint;
  if (h->inline_free) return; /* the caller finishes it */
  env_state* st = h->st;
  pthread_mutex_lock(&st->zc_lock);
  int queued = st->zc_alive && napi_call_threadsafe_function(st->tsfn, h, napi_tsfn_nonblocking) == napi_ok;
  pthread_mutex_unlock(&st->zc_lock);
  if (!queued) {
    /* the environment is gone: nothing on the JS side can be released any more (its references went with it) */
    free(h);
    zc_settle(st);
  }
}

static void zc_call_js(napi_env env, napi_value callback, void* context, void* data) {
  (void)callback;
  (void)context;
  zc_hint* h = (zc_hint*)data;
  zc_done(env, h);
  if (env != NULL) {
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
}

#define MAX_STACK_FRAMES 16

/* sendMessage(socket, frames, flags, release | undefined, routingId | undefined, group | undefined): status */
static napi_value js_send_message(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  env_state* st = get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err);
  bool is_array = false;
  uint32_t count = 0;
  int32_t flags;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok || count == 0 ||
      napi_get_value_int32(env, argv[2], &flags) != napi_ok)
    return make_int(env, EINVAL);
  int has_release = is_type(env, argv[3], napi_function);
  int has_routing_id = 0;
  uint32_t routing_id = 0;
  if (is_type(env, argv[4], napi_number)) {
    if (napi_get_value_uint32(env, argv[4], &routing_id) != napi_ok) return make_int(env, EINVAL);
    has_routing_id = 1;
  }
  char group[GROUP_MAX];
  int has_group = 0;
  if (is_type(env, argv[5], napi_string)) {
    size_t n = 0;
    if (napi_get_value_string_utf8(env, argv[5], NULL, 0, &n) != napi_ok || n >= GROUP_MAX)
      return make_int(env, EINVAL);
    napi_get_value_string_utf8(env, argv[5], group, GROUP_MAX, &n);
    has_group = 1;
  } else if (!is_type(env, argv[5], napi_undefined) && !is_type(env, argv[5], napi_null)) {
    void* bytes;
    size_t n;
    if (!get_bytes(env, argv[5], &bytes, &n) || n >= GROUP_MAX || memchr(bytes, 0, n) != NULL)
      return make_int(env, EINVAL);
    memcpy(group, bytes, n);
    group[n] = 0;
    has_group = 1;
  }
  if ((has_routing_id && api.msg_set_routing_id == NULL) || (has_group && api.msg_set_group == NULL))
    return make_int(env, ENOTSUP);

  /* validate every frame before sending any */
  napi_value stack_values[MAX_STACK_FRAMES];
  void* stack_data[MAX_STACK_FRAMES];
  size_t stack_sizes[MAX_STACK_FRAMES];
  napi_value* values = stack_values;
  void** datas = stack_data;
  size_t* sizes = stack_sizes;
  tracker* t = NULL;
  int status = 0;
  if (count > MAX_STACK_FRAMES) {
    values = (napi_value*)malloc(count * sizeof(napi_value));
    datas = (void**)malloc(count * sizeof(void*));
    sizes = (size_t*)malloc(count * sizeof(size_t));
    if (values == NULL || datas == NULL || sizes == NULL) {
      status = ENOMEM;
      goto done;
    }
  }
  for (uint32_t i = 0; i < count; i++) {
    if (napi_get_element(env, argv[1], i, &values[i]) != napi_ok || !get_bytes(env, values[i], &datas[i], &sizes[i])) {
      status = EINVAL;
      goto done;
    }
  }
  if (has_release) {
    t = (tracker*)calloc(1, sizeof(tracker));
    if (t == NULL || napi_create_reference(env, argv[3], 1, &t->release) != napi_ok) {
      free(t);
      t = NULL;
      status = ENOMEM;
      goto done;
    }
    t->pending = 1; /* held until this call is over */
  }
  int fast = t == NULL && !has_routing_id && !has_group;
  for (uint32_t i = 0; i < count; i++) {
    int frame_flags = flags | (i + 1 < count ? ZMQ_SNDMORE : 0);
    int rc;
    if (fast) {
      do rc = api.send(so->socket, datas[i], sizes[i], frame_flags);
      while (rc < 0 && (err = zerrno()) == EINTR);
    } else {
      zmq_msg_t msg;
      zc_hint* h = NULL;
      if (t != NULL && sizes[i] >= ZERO_COPY_MIN) {
        h = (zc_hint*)calloc(1, sizeof(zc_hint));
        if (h == NULL) {
          err = ENOMEM;
          rc = -1;
          goto frame_failed;
        }
        h->tracker = t;
        h->st = st;
        if (napi_create_reference(env, values[i], 1, &h->buffer) != napi_ok) {
          free(h);
          err = ENOMEM;
          rc = -1;
          goto frame_failed;
        }
        t->pending++;
        pthread_mutex_lock(&st->zc_lock);
        st->zc_outstanding++;
        pthread_mutex_unlock(&st->zc_lock);
        api.msg_init_data(&msg, datas[i], sizes[i], zc_free, h);
      } else {
        if (api.msg_init_size(&msg, sizes[i]) != 0) {
          err = zerrno();
          rc = -1;
          goto frame_failed;
        }
        if (sizes[i] > 0) memcpy(api.msg_data(&msg), datas[i], sizes[i]);
      }
      rc = 0;
      if (has_routing_id && api.msg_set_routing_id(&msg, routing_id) != 0) rc = -1, err = zerrno();
      if (rc == 0 && has_group && api.msg_set_group(&msg, group) != 0) rc = -1, err = zerrno();
      if (rc == 0) {
        do rc = api.msg_send(&msg, so->socket, frame_flags);
        while (rc < 0 && (err = zerrno()) == EINTR);
      }
      if (rc < 0) {
        if (h != NULL) h->inline_free = 1;
        api.msg_close(&msg);
        if (h != NULL) zc_done(env, h);
      }
    }
  frame_failed:
    if (rc < 0) {
      /* the first frame refused: nothing was sent. A later one (libzmq accepts the rest of a message once it took
         its first frame, so this does not happen in practice): the message is cut short; report it all the same */
      status = err;
      break;
    }
  }
done:
  if (t != NULL) tracker_dec(env, t);
  if (values != stack_values) free(values);
  if (datas != stack_data) free(datas);
  if (sizes != stack_sizes) free(sizes);
  if (has_release && t == NULL && status != 0) {
    /* the tracker could not even be made, or validation failed first: release at once */
    napi_value global, result;
    napi_get_global(env, &global);
    napi_call_function(env, global, argv[3], 0, NULL, &result);
  }
  return make_int(env, status);
}

/* ---------------------------------------------------------------------------------------------------------------
 * join/leave, monitor, CURVE, Z85
 * ------------------------------------------------------------------------------------------------------------- */

static napi_value group_call(napi_env env, napi_callback_info info, int join) {
  size_t argc = 2;
  napi_value argv[2];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err);
  int (*fn)(void*, const char*) = join ? api.join : api.leave;
  if (fn == NULL) return make_int(env, ENOTSUP);
  char group[GROUP_MAX];
  if (is_type(env, argv[1], napi_string)) {
    size_t n = 0;
    if (napi_get_value_string_utf8(env, argv[1], NULL, 0, &n) != napi_ok || n >= GROUP_MAX)
      return make_int(env, EINVAL);
    napi_get_value_string_utf8(env, argv[1], group, GROUP_MAX, &n);
  } else {
    void* bytes;
    size_t n;
    if (!get_bytes(env, argv[1], &bytes, &n) || n >= GROUP_MAX || memchr(bytes, 0, n) != NULL)
      return make_int(env, EINVAL);
    memcpy(group, bytes, n);
    group[n] = 0;
  }
  int rc;
  do rc = fn(so->socket, group);
  while (rc != 0 && (err = zerrno()) == EINTR);
  return make_int(env, rc == 0 ? 0 : err);
}

static napi_value js_join(napi_env env, napi_callback_info info) { return group_call(env, info, 1); }
static napi_value js_leave(napi_env env, napi_callback_info info) { return group_call(env, info, 0); }

/* monitor(socket, endpoint | null, events): status */
static napi_value js_monitor(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  get_args(env, info, &argc, argv);
  int err = 0;
  zsock* so = get_socket(env, argv[0], &err);
  if (so == NULL) return make_int(env, err);
  int32_t events = 0;
  if (napi_get_value_int32(env, argv[2], &events) != napi_ok) return make_int(env, EINVAL);
  char stack[STACK_STRING];
  char* endpoint = NULL;
  if (is_type(env, argv[1], napi_string)) {
    endpoint = get_string(env, argv[1], stack, sizeof(stack), NULL);
    if (endpoint == NULL) return make_int(env, ENOMEM);
  } else if (!is_type(env, argv[1], napi_null)) {
    return make_int(env, EINVAL);
  }
  int rc = api.socket_monitor(so->socket, endpoint, endpoint == NULL ? 0 : events);
  if (rc != 0) err = zerrno();
  if (endpoint != NULL && endpoint != stack) free(endpoint);
  return make_int(env, rc == 0 ? 0 : err);
}

static napi_value js_curve_keypair(napi_env env, napi_callback_info info) {
  if (!api_ready) return make_int(env, ENODEV);
  (void)info;
  char public_key[41], secret_key[41];
  if (api.curve_keypair(public_key, secret_key) != 0) return make_int(env, zerrno());
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "publicKey", make_string(env, public_key, 40));
  napi_set_named_property(env, out, "secretKey", make_string(env, secret_key, 40));
  return out;
}

static napi_value js_curve_public(napi_env env, napi_callback_info info) {
  if (!api_ready) return make_int(env, ENODEV);
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  char secret_key[41], public_key[41];
  size_t n = 0;
  if (!is_type(env, argv[0], napi_string) || napi_get_value_string_utf8(env, argv[0], NULL, 0, &n) != napi_ok ||
      n != 40)
    return make_int(env, EINVAL);
  napi_get_value_string_utf8(env, argv[0], secret_key, sizeof(secret_key), &n);
  if (api.curve_public(public_key, secret_key) != 0) return make_int(env, zerrno());
  return make_string(env, public_key, 40);
}

static napi_value js_z85_encode(napi_env env, napi_callback_info info) {
  if (!api_ready) return make_int(env, ENODEV);
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  void* data;
  size_t size;
  if (!get_bytes(env, argv[0], &data, &size) || size % 4 != 0) return make_int(env, EINVAL);
  size_t out_size = size / 4 * 5 + 1;
  char* text = (char*)malloc(out_size);
  if (text == NULL) return make_int(env, ENOMEM);
  napi_value out;
  if (api.z85_encode(text, (const uint8_t*)data, size) == NULL) out = make_int(env, EINVAL);
  else out = make_string(env, text, out_size - 1);
  free(text);
  return out;
}

static napi_value js_z85_decode(napi_env env, napi_callback_info info) {
  if (!api_ready) return make_int(env, ENODEV);
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  if (!is_type(env, argv[0], napi_string)) return make_int(env, EINVAL);
  char stack[STACK_STRING];
  size_t length = 0;
  char* text = get_string(env, argv[0], stack, sizeof(stack), &length);
  if (text == NULL) return make_int(env, ENOMEM);
  napi_value out;
  if (length % 5 != 0) {
    out = make_int(env, EINVAL);
    goto done;
  }
  size_t size = length / 5 * 4;
  void* data = NULL;
  if (napi_create_buffer(env, size, &data, &out) != napi_ok) {
    out = make_int(env, ENOMEM);
    goto done;
  }
  if (size > 0 && api.z85_decode((uint8_t*)data, text) == NULL) out = make_int(env, EINVAL);
done:
  if (text != stack) free(text);
  return out;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Readiness watches: a uv_poll on a dup() of the fd, started only while someone waits. The JS callback is held
 * weakly while stopped (the JS wrapper keeps it) and strongly only while started, so a watch never keeps an
 * unclosed socket from being collected. One release path (watch_close); its uv_close callback frees.
 * ------------------------------------------------------------------------------------------------------------- */

typedef struct watch {
  uint32_t magic;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback; /* refcount 1 while started, 0 (weak) otherwise */
  napi_async_context async_context;
  int fd;
  int started;
  int closed;
  int handle_closed; /* libuv is done with the handle */
  int finalized;     /* the external is gone */
} watch;

static void on_env_cleanup_watch(void* data);

static void watch_set_started(watch* w, int started) {
  if (w->started == started) return;
  w->started = started;
  uint32_t count;
  if (w->callback == NULL) return;
  if (started) napi_reference_ref(w->env, w->callback, &count);
  else napi_reference_unref(w->env, w->callback, &count);
}

static void on_watch_closed(uv_handle_t* handle) {
  watch* w = (watch*)handle->data;
  close(w->fd);
  w->handle_closed = 1;
  if (w->finalized) free(w);
}

static void watch_close(watch* w, int from_cleanup_hook) {
  if (w->closed) return;
  if (w->started) uv_poll_stop(&w->poll);
  watch_set_started(w, 0);
  w->closed = 1;
  if (w->callback != NULL) {
    napi_delete_reference(w->env, w->callback);
    w->callback = NULL;
  }
  if (w->async_context != NULL) {
    napi_async_destroy(w->env, w->async_context);
    w->async_context = NULL;
  }
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(w->env, on_env_cleanup_watch, w);
  uv_close((uv_handle_t*)&w->poll, on_watch_closed);
}

static void on_env_cleanup_watch(void* data) { watch_close((watch*)data, 1); }

static void watch_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  watch* w = (watch*)data;
  watch_close(w, 0);
  w->magic = 0;
  w->finalized = 1;
  if (w->handle_closed) free(w);
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  (void)events;
  watch* w = (watch*)handle->data;
  if (w->closed || w->callback == NULL) return;
  /* on an error libuv has stopped the handle: the flag (and the strong reference) must follow */
  if (status != 0) watch_set_started(w, 0);
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback = NULL, global, argv[1], result;
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &global) == napi_ok) {
    /* an error is reported as a wake-up with its status: the JS side re-reads EVENTS, which fails with a typed
       error and fails the waiters instead of spinning */
    napi_create_int32(env, status, &argv[0]);
    if (napi_make_callback(env, w->async_context, global, callback, 1, argv, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static watch* get_watch(napi_env env, napi_value value) {
  void* data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL || ((watch*)data)->magic != WATCH_MAGIC)
    return NULL;
  return (watch*)data;
}

/* watchNew(fd, callback): a watch, or a number (errno) */
static napi_value js_watch_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out, name;
  get_args(env, info, &argc, argv);
  int32_t fd = -1;
  if (!is_type(env, argv[0], napi_number) || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return make_int(env, EINVAL);
  if (!is_type(env, argv[1], napi_function)) return make_int(env, EINVAL);
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return make_int(env, ENODEV);
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return make_int(env, errno == EBADF ? EINVAL : errno);
  watch* w = (watch*)calloc(1, sizeof(watch));
  int err = ENOMEM;
  if (w == NULL) goto fail_fd;
  w->magic = WATCH_MAGIC;
  w->env = env;
  w->fd = copy;
  int rc = uv_poll_init(loop, &w->poll, copy);
  if (rc != 0) {
    err = -rc;
    goto fail_struct;
  }
  w->poll.data = w;
  /* from here on the handle is initialised: every failure goes through watch_close */
  if (napi_create_string_utf8(env, "effect-zmq:readiness", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_reference(env, argv[1], 0, &w->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &w->async_context) != napi_ok ||
      napi_add_env_cleanup_hook(env, on_env_cleanup_watch, w) != napi_ok)
    goto fail_handle;
  if (napi_create_external(env, w, watch_finalize, NULL, &out) != napi_ok) {
    watch_close(w, 0);
    w->finalized = 1; /* no external will ever finalize it: the close callback frees */
    return make_int(env, ENOMEM);
  }
  return out;
fail_handle:
  napi_add_env_cleanup_hook(env, on_env_cleanup_watch, w); /* so that watch_close may remove it */
  watch_close(w, 0);
  w->finalized = 1;
  return make_int(env, ENOMEM);
fail_struct:
  free(w);
fail_fd:
  close(copy);
  return make_int(env, err);
}

/* watchStart(watch): status (0, or a positive errno; ENOTSOCK once closed) */
static napi_value js_watch_start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  watch* w = get_watch(env, argv[0]);
  if (w == NULL) return make_int(env, EINVAL);
  if (w->closed) return make_int(env, ENOTSOCK);
  if (w->started) return make_int(env, 0);
  int rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc != 0) return make_int(env, -rc);
  watch_set_started(w, 1);
  return make_int(env, 0);
}

static napi_value js_watch_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  watch* w = get_watch(env, argv[0]);
  if (w != NULL && !w->closed && w->started) {
    uv_poll_stop(&w->poll);
    watch_set_started(w, 0);
  }
  return NULL;
}

static napi_value js_watch_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_args(env, info, &argc, argv);
  watch* w = get_watch(env, argv[0]);
  if (w != NULL) watch_close(w, 0);
  return NULL;
}

/* watchStarted(watch): whether the poll is really running (for tests and diagnostics) */
static napi_value js_watch_started(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  get_args(env, info, &argc, argv);
  watch* w = get_watch(env, argv[0]);
  napi_get_boolean(env, w != NULL && !w->closed && w->started && uv_is_active((uv_handle_t*)&w->poll), &out);
  return out;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Module
 * ------------------------------------------------------------------------------------------------------------- */

/* Runs before the tsfn's own cleanup (hooks run in reverse order of registration): no more calls into it. */
static void env_state_cleanup(void* data) {
  env_state* st = (env_state*)data;
  pthread_mutex_lock(&st->zc_lock);
  st->zc_alive = 0;
  pthread_mutex_unlock(&st->zc_lock);
}

static void env_state_free(napi_env env, void* data, void* hint) {
  (void)hint;
  env_state* st = (env_state*)data;
  if (st->slab_ref != NULL) napi_delete_reference(env, st->slab_ref);
  if (st->shared_ref != NULL) napi_delete_reference(env, st->shared_ref);
  st->slab_ref = st->shared_ref = NULL;
  pthread_mutex_lock(&st->zc_lock);
  st->zc_alive = 0;
  int outstanding = st->zc_outstanding > 0;
  if (outstanding) st->zc_orphaned = 1; /* the last zero-copied frame's free releases it */
  pthread_mutex_unlock(&st->zc_lock);
  if (!outstanding) {
    pthread_mutex_destroy(&st->zc_lock);
    free(st);
  }
}

static napi_value module_init(napi_env env, napi_value exports) {
  env_state* st = (env_state*)calloc(1, sizeof(env_state));
  if (st == NULL) {
    napi_throw_error(env, "ENOMEM", "effect-zmq: out of memory");
    return NULL;
  }
  st->env = env;
  pthread_mutex_init(&st->zc_lock, NULL);
  if (napi_set_instance_data(env, st, env_state_free, NULL) != napi_ok) {
    pthread_mutex_destroy(&st->zc_lock);
    free(st);
    napi_throw_error(env, "ENOMEM", "effect-zmq: napi_set_instance_data failed");
    return NULL;
  }
  napi_value shared_buffer, shared, name;
  void* shared_data;
  if (napi_create_arraybuffer(env, S_SIZE * sizeof(int32_t), &shared_data, &shared_buffer) != napi_ok ||
      napi_create_typedarray(env, napi_int32_array, S_SIZE, shared_buffer, 0, &shared) != napi_ok ||
      napi_create_reference(env, shared_buffer, 1, &st->shared_ref) != napi_ok) {
    napi_throw_error(env, "ENOMEM", "effect-zmq: cannot allocate the shared state");
    return NULL;
  }
  st->shared = (int32_t*)shared_data;
  memset(st->shared, 0, S_SIZE * sizeof(int32_t));
  napi_create_string_utf8(env, "effect-zmq:release", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, zc_call_js, &st->tsfn) !=
      napi_ok) {
    napi_throw_error(env, "ENOMEM", "effect-zmq: cannot create the release queue");
    return NULL;
  }
  napi_unref_threadsafe_function(env, st->tsfn);
  st->zc_alive = 1;
  napi_add_env_cleanup_hook(env, env_state_cleanup, st);
  napi_set_named_property(env, exports, "shared", shared);

  static const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {
    {"init", js_init}, {"errnos", js_errnos}, {"strerror", js_strerror},
    {"contextNew", js_ctx_new}, {"contextSet", js_ctx_set}, {"contextGet", js_ctx_get},
    {"contextTerm", js_ctx_term}, {"socket", js_socket}, {"close", js_close}, {"bind", js_bind},
    {"unbind", js_unbind}, {"connect", js_connect}, {"disconnect", js_disconnect},
    {"getOption", js_getsockopt}, {"setOption", js_setsockopt}, {"events", js_events}, {"fd", js_fd},
    {"recv", js_recv}, {"slab", js_slab}, {"lastProperties", js_last_properties}, {"send", js_send},
    {"sendMessage", js_send_message}, {"join", js_join}, {"leave", js_leave}, {"monitor", js_monitor},
    {"curveKeyPair", js_curve_keypair}, {"curvePublic", js_curve_public}, {"z85Encode", js_z85_encode},
    {"z85Decode", js_z85_decode}, {"watchNew", js_watch_new}, {"watchStart", js_watch_start},
    {"watchStop", js_watch_stop}, {"watchClose", js_watch_close}, {"watchStarted", js_watch_started},
  };
  for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, st, &fn) != napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) {
      napi_throw_error(env, "ENOMEM", "effect-zmq: cannot define the module's functions");
      return NULL;
    }
  }
  return exports;
}

NAPI_MODULE(effect_zmq, module_init)
