/* mount(2) and umount2(2) in libuv's thread pool, for the daemon's per-container rootfs: an unmount waits
 * for an RCU grace period and a mount for the superblock's setup, milliseconds each on a busy host, and the
 * event loop's thread serves every request. Mounts belong to the process, not the thread, so a pool thread
 * may make them. Each call settles a promise: undefined, or the errno error the synchronous twin throws. */
#include "addon.h"

#include <errno.h>
#include <sys/mount.h>

struct mount_call {
  napi_async_work work;
  napi_deferred deferred;
  int umount; /* umount2 rather than mount */
  char *source, *target, *fstype, *data;
  uint64_t flags;
  int err;
};

static void free_call(struct mount_call *c)
{
  free(c->source);
  free(c->target);
  free(c->fstype);
  free(c->data);
  free(c);
}

static void run_call(napi_env env, void *data)
{
  (void)env;
  struct mount_call *c = data;
  int r = c->umount ? umount2(c->target, (int)c->flags)
                    : mount(c->source, c->target, c->fstype, (unsigned long)c->flags, c->data);
  c->err = r < 0 ? errno : 0;
}

static void settle_call(napi_env env, napi_status status, void *data)
{
  struct mount_call *c = data;
  const char *syscall = c->umount ? "umount2" : "mount";
  napi_value value = NULL;
  if (status != napi_ok)
    c->err = ECANCELED;
  if (c->err == 0)
    napi_get_undefined(env, &value);
  else
    value = errno_error(env, c->err, syscall, c->target);
  if (value)
    (c->err == 0 ? napi_resolve_deferred : napi_reject_deferred)(env, c->deferred, value);
  napi_delete_async_work(env, c->work);
  free_call(c);
}

/* Queues the call; returns its promise, or NULL with an exception pending (c is freed either way on error). */
static napi_value queue_call(napi_env env, struct mount_call *c)
{
  napi_value promise, name;
  if (napi_create_promise(env, &c->deferred, &promise) != napi_ok) {
    free_call(c);
    return napi_fail(env, "napi_create_promise");
  }
  if (napi_create_string_utf8(env, c->umount ? "umount2" : "mount", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, run_call, settle_call, c, &c->work) != napi_ok) {
    free_call(c);
    return napi_fail(env, "napi_create_async_work");
  }
  if (napi_queue_async_work(env, c->work) != napi_ok) {
    napi_delete_async_work(env, c->work);
    free_call(c);
    return napi_fail(env, "napi_queue_async_work");
  }
  return promise;
}

/* mountAsync(source: string|null, target: string, fstype: string|null, flags: bigint|number, data: string|null) */
napi_value js_mount_async(napi_env env, napi_callback_info info)
{
  napi_value argv[5];
  struct mount_call *c = calloc(1, sizeof *c);
  if (!c)
    return throw_errno(env, ENOMEM, "mount", NULL);
  if (get_args(env, info, 5, argv) < 0 || arg_string(env, argv[0], "source", 1, &c->source) < 0 ||
      arg_string(env, argv[1], "target", 0, &c->target) < 0 ||
      arg_string(env, argv[2], "fstype", 1, &c->fstype) < 0 || arg_uint64(env, argv[3], "flags", &c->flags) < 0 ||
      arg_string(env, argv[4], "data", 1, &c->data) < 0) {
    free_call(c);
    return NULL;
  }
  return queue_call(env, c);
}

/* umount2Async(target: string, flags: number) */
napi_value js_umount2_async(napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  int32_t flags;
  struct mount_call *c = calloc(1, sizeof *c);
  if (!c)
    return throw_errno(env, ENOMEM, "umount2", NULL);
  c->umount = 1;
  if (get_args(env, info, 2, argv) < 0 || arg_string(env, argv[0], "target", 0, &c->target) < 0 ||
      arg_int32(env, argv[1], "flags", &flags) < 0) {
    free_call(c);
    return NULL;
  }
  c->flags = (uint64_t)(uint32_t)flags;
  return queue_call(env, c);
}
