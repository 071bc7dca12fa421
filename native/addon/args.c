/* Argument readers: each checks the JS type, converts, and throws a TypeError naming the argument. */
#include "addon.h"

#include <string.h>

int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv)
{
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_fail(env, "napi_get_cb_info");
    return -1;
  }
  return 0; /* N-API fills missing arguments with undefined */
}

static int type_of(napi_env env, napi_value v, napi_valuetype *t)
{
  if (napi_typeof(env, v, t) != napi_ok) {
    napi_fail(env, "napi_typeof");
    return -1;
  }
  return 0;
}

int arg_string(napi_env env, napi_value v, const char *what, int nullable, char **out)
{
  napi_valuetype t;
  size_t len = 0;
  *out = NULL;
  if (type_of(env, v, &t) < 0)
    return -1;
  if (nullable && (t == napi_null || t == napi_undefined))
    return 0;
  if (t != napi_string)
    return throw_arg(env, what, nullable ? "a string or null" : "a string");
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_fail(env, "napi_get_value_string_utf8");
    return -1;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return -1;
  }
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    napi_fail(env, "napi_get_value_string_utf8");
    return -1;
  }
  /* A NUL would silently cut the path short ("a\0/../b" -> "a"): refuse it, as Node's fs does. */
  if (strlen(s) != len) {
    free(s);
    return throw_arg(env, what, "a string without null bytes");
  }
  *out = s;
  return 0;
}

int arg_int32(napi_env env, napi_value v, const char *what, int32_t *out)
{
  napi_valuetype t;
  double d;
  if (type_of(env, v, &t) < 0)
    return -1;
  /* Written so that NaN fails the range test before any cast. */
  if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok || !(d >= INT32_MIN && d <= INT32_MAX) ||
      (double)(int32_t)d != d)
    return throw_arg(env, what, "an integer");
  *out = (int32_t)d;
  return 0;
}

int arg_uint64(napi_env env, napi_value v, const char *what, uint64_t *out)
{
  napi_valuetype t;
  if (type_of(env, v, &t) < 0)
    return -1;
  if (t == napi_bigint) {
    bool lossless = false;
    if (napi_get_value_bigint_uint64(env, v, out, &lossless) != napi_ok || !lossless)
      return throw_arg(env, what, "a bigint in 0..2^64-1");
    return 0;
  }
  double d;
  if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 9007199254740992.0) ||
      (double)(uint64_t)d != d)
    return throw_arg(env, what, "a non-negative integer or bigint");
  *out = (uint64_t)d;
  return 0;
}

int arg_bytes(napi_env env, napi_value v, const char *what, void **data, size_t *len)
{
  bool is = false;
  if (napi_is_buffer(env, v, &is) == napi_ok && is) {
    if (napi_get_buffer_info(env, v, data, len) != napi_ok) {
      napi_fail(env, "napi_get_buffer_info");
      return -1;
    }
    return 0;
  }
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    napi_value ab;
    size_t offset;
    if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &offset) != napi_ok) {
      napi_fail(env, "napi_get_typedarray_info");
      return -1;
    }
    if (type == napi_uint8_array)
      return 0;
  }
  return throw_arg(env, what, "a Buffer or Uint8Array");
}

napi_value make_int(napi_env env, int64_t n)
{
  napi_value v;
  NAPI_OK(env, napi_create_int64(env, n, &v));
  return v;
}

napi_value make_bigint(napi_env env, uint64_t n)
{
  napi_value v;
  NAPI_OK(env, napi_create_bigint_uint64(env, n, &v));
  return v;
}
