/* The errors the addon throws: Node-fs-shaped errno errors for failed syscalls, TypeErrors for bad
 * arguments. */
#include "addon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void set_string(napi_env env, napi_value obj, const char *key, const char *value)
{
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok)
    napi_set_named_property(env, obj, key, v);
}

static napi_value error_with(napi_env env, int errnum, const char *syscall, const char *path, const char *dest,
                             const char *message)
{
  /* strerrorname_np (glibc 2.32) knows every errno the kernel returns; the fallback is libuv's word. */
  const char *name = strerrorname_np(errnum);
  napi_value code, msg, err, num;
  if (napi_create_string_utf8(env, name ? name : "UNKNOWN", NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
      napi_create_error(env, code, msg, &err) != napi_ok)
    return napi_fail(env, "create error");
  /* Negative, as Node's fs errors carry it (err.errno === -os.constants.errno.ENOENT). */
  if (napi_create_int32(env, -errnum, &num) == napi_ok)
    napi_set_named_property(env, err, "errno", num);
  set_string(env, err, "syscall", syscall);
  if (path)
    set_string(env, err, "path", path);
  if (dest)
    set_string(env, err, "dest", dest);
  return err;
}

static napi_value throw_with(napi_env env, int errnum, const char *syscall, const char *path, const char *dest,
                             const char *message)
{
  napi_value err = error_with(env, errnum, syscall, path, dest, message);
  if (err)
    napi_throw(env, err);
  return NULL;
}

napi_value errno_error(napi_env env, int errnum, const char *syscall, const char *subject)
{
  char message[8192];
  if (subject)
    snprintf(message, sizeof message, "%s \"%s\": %s", syscall, subject, strerror(errnum));
  else
    snprintf(message, sizeof message, "%s: %s", syscall, strerror(errnum));
  return error_with(env, errnum, syscall, subject, NULL, message);
}

napi_value throw_errno(napi_env env, int errnum, const char *syscall, const char *subject)
{
  napi_value err = errno_error(env, errnum, syscall, subject);
  if (err)
    napi_throw(env, err);
  return NULL;
}

napi_value throw_errno2(napi_env env, int errnum, const char *syscall, const char *path, const char *dest)
{
  char message[16384];
  snprintf(message, sizeof message, "%s \"%s\" -> \"%s\": %s", syscall, path, dest, strerror(errnum));
  return throw_with(env, errnum, syscall, path, dest, message);
}

int throw_arg(napi_env env, const char *what, const char *expected)
{
  char message[512];
  snprintf(message, sizeof message, "%s must be %s", what, expected);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return -1;
}

napi_value napi_fail(napi_env env, const char *what)
{
  bool pending = false;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char message[512];
  snprintf(message, sizeof message, "n-api: %s: %s", what,
           info && info->error_message ? info->error_message : "failed");
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending)
    napi_throw_error(env, NULL, message);
  return NULL;
}
