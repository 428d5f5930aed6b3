/*
 * effect-zmq readiness driver: watches a dup() of a ZeroMQ socket's ZMQ_FD with a uv_poll and calls back into
 * JavaScript (through napi_make_callback, so promise and fiber continuations run) whenever it becomes readable.
 *
 * The poll is started only while some fiber waits on the socket; a started poll keeps the event loop alive, a
 * stopped one holds no reference. The dup() keeps libuv's epoll registration independent of zeromq.js's own
 * uv_poll on the original descriptor. Closing (explicitly, at environment teardown, or from the GC finalizer of the
 * JavaScript wrapper) stops the poll, closes the handle and then the duplicated descriptor.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>

typedef struct watcher {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async_context;
  int fd;
  int started;
  int closed;
  int handle_closed; /* libuv is done with the handle */
  int finalized;     /* the JavaScript wrapper is gone */
} watcher;

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "ERR_ZMQ_READINESS", #call " failed");   \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static void on_handle_closed(uv_handle_t* handle) {
  watcher* w = (watcher*)handle->data;
  close(w->fd);
  w->handle_closed = 1;
  if (w->finalized) free(w);
}

/* Releases everything that belongs to JavaScript, then hands the uv handle to libuv to close. */
static void on_env_cleanup(void* data);

static void watcher_close(watcher* w, int from_cleanup_hook) {
  if (w->closed) return;
  w->closed = 1;
  if (w->started) uv_poll_stop(&w->poll);
  w->started = 0;
  if (w->callback != NULL) {
    napi_delete_reference(w->env, w->callback);
    w->callback = NULL;
  }
  if (w->async_context != NULL) {
    napi_async_destroy(w->env, w->async_context);
    w->async_context = NULL;
  }
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(w->env, on_env_cleanup, w);
  uv_close((uv_handle_t*)&w->poll, on_handle_closed);
}

static void on_env_cleanup(void* data) { watcher_close((watcher*)data, 1); }

static void on_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  watcher* w = (watcher*)data;
  watcher_close(w, 0);
  w->finalized = 1;
  if (w->handle_closed) free(w);
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  (void)events;
  watcher* w = (watcher*)handle->data;
  if (w->closed || w->callback == NULL) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global, argv[1], result;
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &global) == napi_ok) {
    /* a poll error (e.g. EBADF after the socket went away) is reported as a wake-up: the JS side re-reads
       EVENTS, which fails with a typed error and fails the waiters instead of spinning */
    napi_create_int32(env, status, &argv[0]);
    if (napi_make_callback(env, w->async_context, global, callback, 1, argv, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static watcher* unwrap(napi_env env, napi_callback_info info) {
  napi_value self;
  void* data = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return (watcher*)data;
}

/* start(): watch for readability; keeps the loop alive until stop() or close(). Returns false once closed. */
static napi_value js_start(napi_env env, napi_callback_info info) {
  watcher* w = unwrap(env, info);
  napi_value out;
  int ok = w != NULL && !w->closed;
  if (ok && !w->started) {
    int rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
    if (rc != 0) {
      napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
      return NULL;
    }
    w->started = 1;
  }
  CHECK(napi_get_boolean(env, ok, &out));
  return out;
}

/* stop(): no handle, no CPU, nothing keeping the loop alive. */
static napi_value js_stop(napi_env env, napi_callback_info info) {
  watcher* w = unwrap(env, info);
  if (w != NULL && !w->closed && w->started) {
    uv_poll_stop(&w->poll);
    w->started = 0;
  }
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  watcher* w = unwrap(env, info);
  if (w != NULL) watcher_close(w, 0);
  return NULL;
}

/* Watcher(fd, callback) */
static napi_value js_constructor(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  int32_t fd = -1;
  napi_valuetype type;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", "fd must be a non-negative integer");
    return NULL;
  }
  CHECK(napi_typeof(env, argv[1], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "callback must be a function");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    napi_throw_error(env, errno == EBADF ? "EBADF" : "EMFILE", strerror(errno));
    return NULL;
  }
  watcher* w = (watcher*)calloc(1, sizeof(watcher));
  if (w == NULL) {
    close(copy);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  w->env = env;
  w->fd = copy;
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(copy);
    free(w);
    napi_throw_error(env, "ERR_ZMQ_READINESS", "no event loop");
    return NULL;
  }
  int rc = uv_poll_init(loop, &w->poll, copy);
  if (rc != 0) {
    close(copy);
    free(w);
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  w->poll.data = w;
  napi_value name;
  CHECK(napi_create_string_utf8(env, "effect-zmq:readiness", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_reference(env, argv[1], 1, &w->callback));
  CHECK(napi_async_init(env, NULL, name, &w->async_context));
  CHECK(napi_add_env_cleanup_hook(env, on_env_cleanup, w));
  CHECK(napi_wrap(env, self, w, on_finalize, NULL, NULL));
  return self;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
    {"stop", NULL, js_stop, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls;
  CHECK(napi_define_class(env, "Watcher", NAPI_AUTO_LENGTH, js_constructor, NULL, 3, methods, &cls));
  CHECK(napi_set_named_property(env, exports, "Watcher", cls));
  return exports;
}

NAPI_MODULE(effect_zmq_readiness, init)
