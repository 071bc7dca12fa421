/* Error messages, JSON lines and cleanup helpers shared by both sides of berth-init. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int vset(struct err *e, int errnum, const char *fmt, va_list ap)
{
  int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  if (n < 0)
    n = 0;
  if ((size_t)n >= sizeof e->msg)
    n = sizeof e->msg - 1;
  if (errnum)
    snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
  e->errnum = errnum;
  return -1;
}

int err_sys(struct err *e, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  vset(e, saved, fmt, ap);
  va_end(ap);
  errno = saved;
  return -1;
}

int err_num(struct err *e, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vset(e, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int err_msg(struct err *e, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vset(e, 0, fmt, ap);
  va_end(ap);
  return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
  char old[ERR_MSG_MAX];
  memcpy(old, e->msg, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof e->msg)
    snprintf(e->msg + n, sizeof e->msg - n, ": %.*s", (int)(sizeof e->msg - n), old);
  return -1;
}

int write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += n;
    len -= n;
  }
  return 0;
}

int json_line(int fd, const char *key, const char *value, long number)
{
  /* Worst case every byte becomes \u00XX. */
  char out[ERR_MSG_MAX * 6 + 64];
  size_t n = 0;
  n += snprintf(out, sizeof out, "{\"%s\":", key);
  if (!value) {
    n += snprintf(out + n, sizeof out - n, "%ld}\n", number);
    return write_all(fd, out, n);
  }
  out[n++] = '"';
  for (const unsigned char *s = (const unsigned char *)value; *s && n < sizeof out - 16; s++) {
    switch (*s) {
    case '"':
    case '\\':
      out[n++] = '\\';
      out[n++] = *s;
      break;
    case '\n':
      out[n++] = '\\';
      out[n++] = 'n';
      break;
    case '\t':
      out[n++] = '\\';
      out[n++] = 't';
      break;
    case '\r':
      out[n++] = '\\';
      out[n++] = 'r';
      break;
    default:
      if (*s < 0x20 || *s == 0x7f)
        n += snprintf(out + n, sizeof out - n, "\\u%04x", *s);
      else
        out[n++] = *s;
    }
  }
  memcpy(out + n, "\"}\n", 3);
  return write_all(fd, out, n + 3);
}

void cleanup_fdp(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

void cleanup_freep(void *p)
{
  free(*(void **)p);
}

void cleanup_filep(FILE **f)
{
  if (*f)
    fclose(*f);
}
