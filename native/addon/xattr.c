/* Extended attributes on the link itself (lsetxattr(2), lgetxattr(2), llistxattr(2)): image layers carry
 * xattrs such as security.capability, and an unpack must never follow a symlink out of the snapshot. */
#include "addon.h"

#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

/* lsetxattr(path: string, name: string, value: Buffer, flags: number) */
napi_value js_lsetxattr(napi_env env, napi_callback_info info)
{
  napi_value argv[4];
  cleanup_free char *path = NULL, *name = NULL;
  void *value;
  size_t len;
  int32_t flags;
  if (get_args(env, info, 4, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0 ||
      arg_string(env, argv[1], "name", 0, &name) < 0 || arg_bytes(env, argv[2], "value", &value, &len) < 0 ||
      arg_int32(env, argv[3], "flags", &flags) < 0)
    return NULL;
  if (lsetxattr(path, name, value, len, flags) < 0)
    return throw_errno(env, errno, "lsetxattr", path);
  return NULL;
}

/* lgetxattr(path: string, name: string) -> Buffer, or null when the attribute is absent (ENODATA). */
napi_value js_lgetxattr(napi_env env, napi_callback_info info)
{
  napi_value argv[2], out;
  cleanup_free char *path = NULL, *name = NULL;
  if (get_args(env, info, 2, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0 ||
      arg_string(env, argv[1], "name", 0, &name) < 0)
    return NULL;
  /* Ask for the size, then read; the value may grow in between (ERANGE), so loop. */
  for (;;) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size < 0 && errno == ENODATA) {
      NAPI_OK(env, napi_get_null(env, &out));
      return out;
    }
    if (size < 0)
      return throw_errno(env, errno, "lgetxattr", path);
    cleanup_free char *buf = malloc(size ? (size_t)size : 1);
    if (!buf)
      return throw_errno(env, ENOMEM, "lgetxattr", path);
    ssize_t n = lgetxattr(path, name, buf, (size_t)size);
    if (n < 0 && errno == ERANGE)
      continue;
    if (n < 0 && errno == ENODATA) {
      NAPI_OK(env, napi_get_null(env, &out));
      return out;
    }
    if (n < 0)
      return throw_errno(env, errno, "lgetxattr", path);
    NAPI_OK(env, napi_create_buffer_copy(env, (size_t)n, buf, NULL, &out));
    return out;
  }
}

/* llistxattr(path: string) -> string[] (names in the kernel's order) */
napi_value js_llistxattr(napi_env env, napi_callback_info info)
{
  napi_value argv[1], out;
  cleanup_free char *path = NULL;
  if (get_args(env, info, 1, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0)
    return NULL;
  for (;;) {
    ssize_t size = llistxattr(path, NULL, 0);
    if (size < 0)
      return throw_errno(env, errno, "llistxattr", path);
    cleanup_free char *buf = malloc(size ? (size_t)size : 1);
    if (!buf)
      return throw_errno(env, ENOMEM, "llistxattr", path);
    ssize_t n = llistxattr(path, buf, (size_t)size);
    if (n < 0 && errno == ERANGE)
      continue;
    if (n < 0)
      return throw_errno(env, errno, "llistxattr", path);
    /* The list is NUL-terminated names back to back: "user.a\0security.capability\0". */
    NAPI_OK(env, napi_create_array(env, &out));
    uint32_t i = 0;
    for (char *p = buf, *end = buf + n; p < end;) {
      size_t len = strnlen(p, (size_t)(end - p));
      napi_value name;
      NAPI_OK(env, napi_create_string_utf8(env, p, len, &name));
      NAPI_OK(env, napi_set_element(env, out, i++, name));
      p += len + 1;
    }
    return out;
  }
}
