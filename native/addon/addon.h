/* The N-API addon's shared parts: argument readers that throw a TypeError on bad input, and the
 * errno error that every function throws on a failed syscall, shaped like Node's fs errors:
 *   err.code = "ENOENT", err.errno = -2 (negative, as libuv and Node report it), err.syscall = "mount",
 *   err.path = "/x" (when there is one), message `mount "/x": No such file or directory`.
 * Every function is synchronous but mountAsync and umount2Async (async.c), which run in libuv's thread
 * pool and settle a promise. Readers return 0, or -1 with a JS exception pending: the caller then
 * returns NULL at once. */
#ifndef BERTH_ADDON_H
#define BERTH_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Throws the errno error `<syscall> "<subject>": strerror(errnum)`; subject may be NULL. Returns NULL. */
napi_value throw_errno(napi_env env, int errnum, const char *syscall, const char *subject);
/* The same error, returned rather than thrown (a promise's rejection); NULL if N-API failed. */
napi_value errno_error(napi_env env, int errnum, const char *syscall, const char *subject);
/* Same with a second path, as rename reports it: `renameat2 "a" -> "b": ...`, err.dest = "b". */
napi_value throw_errno2(napi_env env, int errnum, const char *syscall, const char *path, const char *dest);
/* Throws a TypeError `<what> must be <expected>` with code ERR_INVALID_ARG_TYPE. Returns -1. */
int throw_arg(napi_env env, const char *what, const char *expected);

/* Reads exactly n arguments (missing ones read as undefined). */
int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv);
/* A string without NUL bytes, malloc'd into *out; nullable lets null/undefined through as NULL. */
int arg_string(napi_env env, napi_value v, const char *what, int nullable, char **out);
/* A number that is an integer in int32 range. */
int arg_int32(napi_env env, napi_value v, const char *what, int32_t *out);
/* A non-negative integer given as a bigint or as a number (at most 2^53). */
int arg_uint64(napi_env env, napi_value v, const char *what, uint64_t *out);
/* A Buffer or Uint8Array; *data stays valid while the value lives. */
int arg_bytes(napi_env env, napi_value v, const char *what, void **data, size_t *len);

/* Returns a number or bigint; NULL (with an exception) only when N-API itself fails. */
napi_value make_int(napi_env env, int64_t n);
napi_value make_bigint(napi_env env, uint64_t n);

/* The syscalls, one napi_callback each (fs.c, xattr.c, proc.c, fdpass.c, spawn.c, bpf.c, netns.c). */
napi_value js_mount(napi_env env, napi_callback_info info);
napi_value js_umount2(napi_env env, napi_callback_info info);
napi_value js_mkfifo(napi_env env, napi_callback_info info);
napi_value js_mknod(napi_env env, napi_callback_info info);
napi_value js_statfs(napi_env env, napi_callback_info info);
napi_value js_openat2(napi_env env, napi_callback_info info);
napi_value js_renameat2(napi_env env, napi_callback_info info);
napi_value js_lsetxattr(napi_env env, napi_callback_info info);
napi_value js_lgetxattr(napi_env env, napi_callback_info info);
napi_value js_llistxattr(napi_env env, napi_callback_info info);
napi_value js_pidfd_open(napi_env env, napi_callback_info info);
napi_value js_pidfd_send_signal(napi_env env, napi_callback_info info);
napi_value js_process_start_time(napi_env env, napi_callback_info info);
napi_value js_send_fd(napi_env env, napi_callback_info info);
napi_value js_recv_fd(napi_env env, napi_callback_info info);
napi_value js_pipe(napi_env env, napi_callback_info info);
napi_value js_spawn(napi_env env, napi_callback_info info);
napi_value js_waitpid(napi_env env, napi_callback_info info);
napi_value js_bpf_prog_load(napi_env env, napi_callback_info info);
napi_value js_bpf_prog_attach(napi_env env, napi_callback_info info);
napi_value js_bpf_prog_detach(napi_env env, napi_callback_info info);
napi_value js_bpf_prog_query(napi_env env, napi_callback_info info);
napi_value js_bpf_prog_get_fd_by_id(napi_env env, napi_callback_info info);
napi_value js_eventfd(napi_env env, napi_callback_info info);
napi_value js_netns_create(napi_env env, napi_callback_info info);
napi_value js_mount_async(napi_env env, napi_callback_info info);
napi_value js_umount2_async(napi_env env, napi_callback_info info);

static inline void cleanup_freep(void *p)
{
  free(*(void **)p);
}
static inline void cleanup_fdp(int *fd)
{
  if (*fd >= 0)
    close(*fd);
}
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_fd __attribute__((cleanup(cleanup_fdp)))

/* Checks an N-API status: on failure throws (unless something is already pending) and returns NULL. */
#define NAPI_OK(env, call)                                                                           \
  do {                                                                                               \
    if ((call) != napi_ok)                                                                           \
      return napi_fail(env, #call);                                                                  \
  } while (0)
napi_value napi_fail(napi_env env, const char *what);

#endif
