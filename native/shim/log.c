/* Log drivers. Output is cut into lines per stream; a line longer than max_line is written as partial
 * records of max_line bytes, then the rest. Each record is one write(2) on an O_APPEND file, so records of
 * stdout and stderr never interleave within a line.
 *
 *   cri        <RFC 3339 UTC, 9 digits> <stdout|stderr> <F|P> <content>\n     (specs/cri/log-format.md)
 *   json-file  {"log":"<content, \n for a full line>","stream":"stdout","time":"<RFC 3339>"}\n (Docker's)
 *
 * A line waits in memory until its newline, max_line bytes, or the end of its stream (then it is written
 * as a partial record, as containerd does). Back-pressure policy: the container's output is read only as
 * fast as the log file takes it (so a slow disk slows the writer through the full pipe, never more); a
 * write that fails (ENOSPC, EIO) drops that record, counted in the exit file's logDropped, and the
 * container goes on; a record the disk cut short is ended with a newline before the next one is written.
 * With --log-max-size the file is rotated before a record would take it past the size: <path> ->
 * <path>.1 -> ... -> <path>.<max-files - 1>; one file is truncated instead (Docker's json-file
 * max-size/max-file). CRI logs are rotated by the kubelet, which then sends REOPEN_LOG. */
#include "json.h"
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *const stream_name[] = {"stdout", "stderr"};

void timestamp(char out[40])
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

static int open_file(struct log *l, struct err *e)
{
  int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return err_sys(e, "open log \"%s\"", l->path);
  struct stat st;
  l->size = fstat(fd, &st) == 0 ? st.st_size : 0;
  if (l->fd >= 0)
    close(l->fd);
  l->fd = fd;
  l->torn = 0; /* a new file owes nothing */
  return 0;
}

int log_open(struct log *l, const struct opts *o, struct err *e)
{
  l->fd = -1;
  l->format = o->log_format;
  if (l->format == LOG_NONE)
    return 0;
  l->path = o->log_path;
  l->max_size = o->log_max_size;
  l->max_files = o->log_max_files;
  l->max_line = o->log_max_line;
  return open_file(l, e);
}

int log_reopen(struct log *l, struct err *e)
{
  if (l->format == LOG_NONE)
    return err_msg(e, "reopen log: the container has no log file");
  /* The old file stays in use when the new one cannot be opened (api.proto, ReopenContainerLog). */
  return open_file(l, e) < 0 ? err_wrap(e, "reopen log") : 0;
}

static void rotate(struct log *l)
{
  if (l->max_files <= 1) {
    if (ftruncate(l->fd, 0) == 0)
      l->size = 0;
    return;
  }
  char from[PATH_MAX], to[PATH_MAX];
  for (int i = l->max_files - 1; i >= 1; i--) {
    if (i == 1)
      snprintf(from, sizeof from, "%s", l->path);
    else
      snprintf(from, sizeof from, "%s.%d", l->path, i - 1);
    snprintf(to, sizeof to, "%s.%d", l->path, i);
    rename(from, to); /* ENOENT: that generation does not exist yet */
  }
  struct err ignored;
  if (open_file(l, &ignored) == 0)
    l->size = 0;
}

/* One record, whole, with a single writev; a short write is finished (regular files only write short
 * when the disk fills up, and then the rest fails and the record is counted as dropped). */
static void write_record(struct log *l, struct iovec *iov, int cnt)
{
  size_t total = 0;
  for (int i = 0; i < cnt; i++)
    total += iov[i].iov_len;
  if (l->max_size > 0 && l->size > 0 && l->size + (long long)total > l->max_size)
    rotate(l);
  /* A record cut short by a full disk is ended first, so that the file stays one record per line. */
  if (l->torn && write(l->fd, "\n", 1) == 1) {
    l->torn = 0;
    l->size++;
  }
  if (l->torn) {
    l->dropped++;
    return;
  }
  size_t done = 0;
  while (done < total) {
    ssize_t w = writev(l->fd, iov, cnt);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      l->dropped++;
      l->torn = done > 0;
      break;
    }
    done += (size_t)w;
    l->size += w;
    for (size_t skip = (size_t)w; cnt && skip;) { /* advance the iovecs past what was written */
      if (skip >= iov->iov_len) {
        skip -= iov->iov_len;
        iov++;
        cnt--;
      } else {
        iov->iov_base = (char *)iov->iov_base + skip;
        iov->iov_len -= skip;
        skip = 0;
      }
    }
  }
}

static void emit(struct log *l, enum stream st, const char *p, size_t n, int full)
{
  char ts[40];
  timestamp(ts);
  if (l->format == LOG_CRI) {
    char head[64];
    int hn = snprintf(head, sizeof head, "%s %s %c ", ts, stream_name[st], full ? 'F' : 'P');
    struct iovec iov[3] = {{head, (size_t)hn}, {(void *)p, n}, {"\n", 1}};
    write_record(l, iov, 3);
    return;
  }
  size_t need = 6 * n + 128;
  if (need > l->scratch_cap) {
    char *bigger = realloc(l->scratch, need);
    if (!bigger) {
      l->dropped++;
      return;
    }
    l->scratch = bigger;
    l->scratch_cap = need;
  }
  char *o = l->scratch;
  size_t k = 0;
  memcpy(o, "{\"log\":\"", 8);
  k = 8 + json_escape(o + 8, p, n);
  if (full) {
    memcpy(o + k, "\\n", 2);
    k += 2;
  }
  k += (size_t)snprintf(o + k, l->scratch_cap - k, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream_name[st], ts);
  struct iovec iov = {o, k};
  write_record(l, &iov, 1);
}

/* A record of what is buffered plus p[0..n); p's bytes join the buffer first when it holds some. */
static void emit_line(struct log *l, enum stream st, const char *p, size_t n, int full)
{
  struct log_line *ln = &l->line[st];
  if (ln->len) {
    if (n)
      memcpy(ln->buf + ln->len, p, n); /* fits: callers never pass more than max_line - len */
    emit(l, st, ln->buf, ln->len + n, full);
    ln->len = 0;
  } else {
    emit(l, st, p, n, full);
  }
}

void log_feed(struct log *l, enum stream st, const char *p, size_t n)
{
  if (l->format == LOG_NONE)
    return;
  struct log_line *ln = &l->line[st];
  while (n) {
    size_t room = l->max_line - ln->len;
    const char *nl = memchr(p, '\n', n < room + 1 ? n : room + 1); /* a newline right after a full line */
    if (nl) {
      size_t k = (size_t)(nl - p);
      emit_line(l, st, p, k, 1);
      p += k + 1;
      n -= k + 1;
    } else if (n > room) {
      emit_line(l, st, p, room, 0);
      p += room;
      n -= room;
    } else {
      if (!ln->buf && !(ln->buf = malloc(l->max_line))) {
        emit(l, st, p, n, 0); /* no memory to wait in: write the piece as a partial record now */
        return;
      }
      memcpy(ln->buf + ln->len, p, n);
      ln->len += n;
      return;
    }
  }
}

void log_end(struct log *l, enum stream st)
{
  if (l->format != LOG_NONE && l->line[st].len)
    emit_line(l, st, NULL, 0, 0);
}
