/* The monitor's event loop: container output to the log and the attachers, attacher input to the
 * container's stdin, signals (SIGCHLD reaps; the others are forwarded to the container), and the end:
 * once the container is reaped, output is drained until EOF (or until it has been idle for DRAIN_IDLE_MS:
 * an orphan outside a pid namespace may hold a pipe forever), the exit file is written and the clients
 * are told. Nothing here waits on anything but epoll, so a slow reader never stalls the container. */
#include "shim.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_IDLE_MS 500
#define INQ_HIGH 65536     /* stdin queued beyond this pauses the attachers' stdin */
#define INQ_CAP (INQ_HIGH + 16384) /* + one attacher read */
#define OUT_READ 16384

enum { W_SIGNAL = 1, W_LISTEN, W_OUT0, W_OUT1, W_STDIN };
#define TAG(k) ((void *)(uintptr_t)(k))

int watch_fd(struct shim *s, int fd, void *data, uint32_t events, int op)
{
  struct epoll_event ev = {.events = events, .data.ptr = data};
  return epoll_ctl(s->epfd, op, fd, &ev);
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int reap_children(struct shim *s)
{
  int st;
  pid_t p;
  while ((p = waitpid(-1, &st, WNOHANG)) > 0) /* orphans we inherited as subreaper, and the container */
    if (p == s->pid && !s->reaped) {
      s->status = st;
      s->reaped = 1;
      timestamp(s->exited_at);
    }
  return s->reaped;
}

static void on_signals(struct shim *s)
{
  struct signalfd_siginfo si;
  while (read(s->sigfd, &si, sizeof si) == sizeof si)
    if (si.ssi_signo != SIGCHLD && !s->reaped)
      kill(s->pid, (int)si.ssi_signo); /* what is sent to the shim is meant for the container */
  reap_children(s);
}

static void in_close_now(struct shim *s)
{
  if (s->in < 0)
    return;
  epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->in, NULL);
  close(s->in);
  s->in = -1;
  s->inq_len = s->inq_off = 0;
  s->in_closing = 0;
  if (s->stdin_paused) {
    s->stdin_paused = 0;
    clients_pause_stdin(s, 0);
  }
}

/* Writes what the queue holds; returns 0 once it is empty. */
static int in_flush(struct shim *s)
{
  while (s->inq_len) {
    ssize_t w = write(s->in, s->inq + s->inq_off, s->inq_len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN)
      return 1;
    if (w < 0) { /* EPIPE: the container closed its stdin; nothing more can reach it */
      in_close_now(s);
      return 0;
    }
    s->inq_off += (size_t)w;
    s->inq_len -= (size_t)w;
  }
  s->inq_off = 0;
  return 0;
}

static void in_writable(struct shim *s)
{
  if (in_flush(s))
    return;
  if (s->in < 0)
    return;
  epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->in, NULL);
  if (s->in_closing) {
    in_close_now(s);
    return;
  }
  if (s->stdin_paused) {
    s->stdin_paused = 0;
    clients_pause_stdin(s, 0);
  }
}

void stdin_write(struct shim *s, const char *p, size_t n)
{
  if (s->in < 0 || s->in_closing || n == 0)
    return;
  if (s->inq_len == 0) {
    ssize_t w;
    while ((w = write(s->in, p, n)) < 0 && errno == EINTR)
      ;
    if (w < 0 && errno != EAGAIN) {
      in_close_now(s);
      return;
    }
    if (w > 0) {
      p += w;
      n -= (size_t)w;
    }
    if (n == 0)
      return;
  }
  if (!s->inq && !(s->inq = malloc(INQ_CAP)))
    return; /* out of memory: the bytes are dropped rather than the shim */
  if (s->inq_off + s->inq_len + n > INQ_CAP) {
    memmove(s->inq, s->inq + s->inq_off, s->inq_len);
    s->inq_off = 0;
  }
  if (s->inq_len + n > INQ_CAP)
    n = INQ_CAP - s->inq_len; /* cannot happen while the pause below holds; never overflow */
  int was_empty = s->inq_len == 0;
  memcpy(s->inq + s->inq_off + s->inq_len, p, n);
  s->inq_len += n;
  if (was_empty)
    watch_fd(s, s->in, TAG(W_STDIN), EPOLLOUT, EPOLL_CTL_ADD);
  if (s->inq_len > INQ_HIGH && !s->stdin_paused) {
    s->stdin_paused = 1;
    clients_pause_stdin(s, 1);
  }
}

void stdin_close(struct shim *s)
{
  if (s->in < 0 || s->in_closing)
    return;
  if (s->master >= 0) {
    /* A terminal has no EOF of its own: its reader sees one when the line discipline gets VEOF (^D). */
    struct termios t;
    char veof = tcgetattr(s->master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
    stdin_write(s, &veof, 1);
  }
  if (s->in < 0)
    return;
  if (s->inq_len == 0)
    in_close_now(s);
  else
    s->in_closing = 1;
}

static void close_output(struct shim *s, int i)
{
  epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->out[i], NULL);
  if (s->out[i] == s->master)
    s->master = -1;
  close(s->out[i]);
  s->out[i] = -1;
  log_end(&s->log, (enum stream)i);
}

/* Reads a few buffers' worth (bounded, so that one busy stream cannot starve the rest). */
static int read_output(struct shim *s, int i)
{
  static char buf[OUT_READ];
  int got = 0;
  for (int round = 0; round < 4 && s->out[i] >= 0; round++) {
    ssize_t n = read(s->out[i], buf, sizeof buf);
    if (n > 0) {
      enum stream st = (enum stream)i; /* with a terminal everything is stdout (out[0]) */
      log_feed(&s->log, st, buf, (size_t)n);
      clients_output(s, st, buf, (size_t)n);
      got = 1;
      if ((size_t)n < sizeof buf)
        break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      break;
    close_output(s, i); /* EOF, or EIO from a pty master whose slave is closed everywhere */
  }
  return got;
}

int run_loop(struct shim *s)
{
  watch_fd(s, s->sigfd, TAG(W_SIGNAL), EPOLLIN, EPOLL_CTL_ADD);
  watch_fd(s, s->listen_fd, TAG(W_LISTEN), EPOLLIN, EPOLL_CTL_ADD);
  for (int i = 0; i < 2; i++)
    if (s->out[i] >= 0)
      watch_fd(s, s->out[i], TAG(W_OUT0 + i), EPOLLIN, EPOLL_CTL_ADD);
  reap_children(s); /* it may have exited before the loop began */
  long long idle_until = 0;
  struct epoll_event ev[16];
  for (;;) {
    if (s->reaped && !s->exiting) {
      s->exiting = 1;
      idle_until = now_ms() + DRAIN_IDLE_MS;
      in_close_now(s); /* nobody reads it any more */
    }
    if (s->exiting && s->out[0] < 0 && s->out[1] < 0)
      break;
    int timeout = -1;
    if (s->exiting) {
      long long left = idle_until - now_ms();
      if (left <= 0)
        break;
      timeout = (int)left;
    }
    int n = epoll_wait(s->epfd, ev, 16, timeout);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    for (int k = 0; k < n; k++) {
      void *tag = ev[k].data.ptr;
      if (tag == TAG(W_SIGNAL))
        on_signals(s);
      else if (tag == TAG(W_LISTEN))
        client_accept(s);
      else if (tag == TAG(W_OUT0) || tag == TAG(W_OUT1)) {
        if (read_output(s, tag == TAG(W_OUT1)) && s->exiting)
          idle_until = now_ms() + DRAIN_IDLE_MS;
      } else if (tag == TAG(W_STDIN))
        in_writable(s);
      else
        client_event(s, tag, ev[k].events);
    }
    clients_sweep(s);
  }
  in_close_now(s);
  for (int i = 0; i < 2; i++)
    if (s->out[i] >= 0)
      close_output(s, i);
  char json[512];
  size_t len = 0;
  struct err e;
  exit_write(s, json, sizeof json, &len, &e);
  clients_finish(s, json, len);
  return 0;
}
