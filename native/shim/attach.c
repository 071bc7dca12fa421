/* attach.sock: attachers and control requests, framed as PROTOCOL.md "Attach socket" says (8-byte header
 * as Docker's stream multiplexing: kind, three zero bytes, big-endian length). Every client has a bounded
 * output queue: one that falls CLIENT_QUEUE_MAX behind is disconnected, so a stuck attacher can never
 * hold up the container or the log. */
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define ATTACH_SOCKET "attach.sock"
#define CLIENT_QUEUE_MAX (256 * 1024)
#define MAX_CLIENTS 64
#define CTL_MAX 16
#define FINISH_MS 1000 /* how long the EXIT frame and queued output may take to reach the clients */

enum kind {
  K_STDIN = 0,
  K_STDOUT = 1,
  K_STDERR = 2,
  K_EXIT = 3,
  K_ATTACH = 16,
  K_RESIZE = 17,
  K_SIGNAL = 18,
  K_CLOSE_STDIN = 19,
  K_REOPEN_LOG = 20,
  K_WAIT = 21,
  K_REPLY = 32,
};
enum { A_STDIN = 1, A_STDOUT = 2, A_STDERR = 4 };

struct client {
  struct client *next;
  int fd;
  unsigned flags;  /* A_* once attached */
  int attached, waiting, stdin_done, dead, closing;
  uint32_t events; /* what epoll watches now */
  unsigned char hdr[8];
  size_t hdr_len;
  uint32_t left; /* payload bytes of the current frame still to come */
  unsigned char ctl[CTL_MAX];
  size_t ctl_len;
  char *q; /* output that the socket did not take yet */
  size_t q_len, q_off;
};

int attach_listen(struct shim *s, struct err *e)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = ATTACH_SOCKET};
  s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->listen_fd < 0)
    return err_sys(e, "socket");
  unlink(ATTACH_SOCKET);
  if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s->listen_fd, 16) < 0)
    return err_sys(e, "listen on \"%s/%s\"", s->o->dir, ATTACH_SOCKET);
  return 0;
}

static uint32_t wanted(struct shim *s, struct client *c)
{
  uint32_t ev = c->q_len ? EPOLLOUT : 0;
  if (!c->closing && !(s->stdin_paused && (c->flags & A_STDIN)))
    ev |= EPOLLIN;
  return ev;
}

static void rearm(struct shim *s, struct client *c)
{
  uint32_t ev = wanted(s, c);
  if (ev != c->events && !c->dead) {
    watch_fd(s, c->fd, c, ev, EPOLL_CTL_MOD);
    c->events = ev;
  }
}

static void stdin_done(struct shim *s, struct client *c)
{
  if (!(c->flags & A_STDIN) || c->stdin_done)
    return;
  c->stdin_done = 1;
  if (s->o->stdin_once)
    stdin_close(s); /* stdin-once: the first attacher that owned stdin took it with it */
}

static void drop(struct shim *s, struct client *c)
{
  if (c->dead)
    return;
  c->dead = 1;
  stdin_done(s, c);
  epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->q);
  c->q = NULL;
  c->q_len = 0;
}

void clients_sweep(struct shim *s)
{
  for (struct client **p = &s->clients; *p;) {
    struct client *c = *p;
    if (c->dead) {
      *p = c->next;
      free(c);
    } else
      p = &c->next;
  }
}

void client_accept(struct shim *s)
{
  for (;;) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
      return;
    size_t n = 0;
    for (struct client *c = s->clients; c; c = c->next)
      n++;
    struct client *c = n < MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
    if (!c) {
      close(fd);
      continue;
    }
    c->fd = fd;
    c->events = EPOLLIN;
    if (watch_fd(s, fd, c, EPOLLIN, EPOLL_CTL_ADD) < 0) {
      close(fd);
      free(c);
      continue;
    }
    c->next = s->clients;
    s->clients = c;
  }
}

static int flush(struct shim *s, struct client *c)
{
  while (c->q_len) {
    ssize_t w = send(c->fd, c->q + c->q_off, c->q_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN)
      break;
    if (w < 0) {
      drop(s, c);
      return -1;
    }
    c->q_off += (size_t)w;
    c->q_len -= (size_t)w;
  }
  if (!c->q_len) {
    c->q_off = 0;
    free(c->q); /* an idle client holds no buffer */
    c->q = NULL;
  }
  rearm(s, c);
  return 0;
}

/* Queues one frame; writes at once when nothing is queued before it. */
static void send_frame(struct shim *s, struct client *c, unsigned kind, const void *p, size_t n)
{
  if (c->dead)
    return;
  unsigned char hdr[8] = {(unsigned char)kind, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
  size_t done = 0, total = sizeof hdr + n;
  if (!c->q_len) {
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)p, n}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
      drop(s, c);
      return;
    }
    done = w > 0 ? (size_t)w : 0;
    if (done == total)
      return;
  }
  if (c->q_len + total - done > CLIENT_QUEUE_MAX) {
    drop(s, c); /* too far behind: the container does not wait for it */
    return;
  }
  char *q = realloc(c->q, c->q_off + c->q_len + total - done);
  if (!q) {
    drop(s, c);
    return;
  }
  c->q = q;
  char *at = c->q + c->q_off + c->q_len;
  for (size_t i = done; i < total; i++)
    *at++ = i < sizeof hdr ? (char)hdr[i] : ((const char *)p)[i - sizeof hdr];
  c->q_len += total - done;
  rearm(s, c);
}

static void reply(struct shim *s, struct client *c, const char *msg)
{
  send_frame(s, c, K_REPLY, msg, strlen(msg));
}

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void on_attach(struct shim *s, struct client *c)
{
  unsigned flags = c->ctl_len == 1 ? c->ctl[0] : 0x100;
  if (flags & ~7u)
    return reply(s, c, "attach: the payload must be one byte of flags (1 stdin, 2 stdout, 4 stderr)");
  if (c->attached)
    return reply(s, c, "attach: this connection is already attached");
  if ((flags & A_STDIN) && (s->in < 0 || s->in_closing))
    return reply(s, c, s->o->stdin_open ? "attach: stdin is closed" : "attach: the container has no stdin");
  c->flags = flags;
  c->attached = c->waiting = 1;
  reply(s, c, "");
}

static void on_resize(struct shim *s, struct client *c)
{
  if (c->ctl_len != 4)
    return reply(s, c, "resize: the payload must be rows and columns, two big-endian u16");
  struct winsize ws = {.ws_row = (unsigned short)(c->ctl[0] << 8 | c->ctl[1]),
                       .ws_col = (unsigned short)(c->ctl[2] << 8 | c->ctl[3])};
  if (s->master < 0)
    return reply(s, c, "resize: the container has no terminal");
  if (!ws.ws_row || !ws.ws_col)
    return reply(s, c, "resize: rows and columns must be at least 1");
  struct err e;
  if (ioctl(s->master, TIOCSWINSZ, &ws) < 0) {
    err_sys(&e, "resize");
    return reply(s, c, e.msg);
  }
  reply(s, c, "");
}

static void on_signal(struct shim *s, struct client *c)
{
  if (c->ctl_len != 4)
    return reply(s, c, "signal: the payload must be a big-endian u32 signal number");
  uint32_t sig = be32(c->ctl);
  struct err e;
  if (sig > 64) {
    err_msg(&e, "signal: %u is not a signal number", sig);
    return reply(s, c, e.msg);
  }
  /* The shim is the container's parent and has not reaped it, so its pid cannot have been reused. */
  if (s->reaped)
    return reply(s, c, "signal: the container has exited");
  if (kill(s->pid, (int)sig) < 0) {
    err_sys(&e, "signal %u to pid %d", sig, s->pid);
    return reply(s, c, e.msg);
  }
  reply(s, c, "");
}

static void on_frame(struct shim *s, struct client *c, unsigned kind)
{
  struct err e;
  switch (kind) {
  case K_STDIN: /* empty: this attacher is done with stdin */
    stdin_done(s, c);
    break;
  case K_ATTACH:
    on_attach(s, c);
    break;
  case K_RESIZE:
    on_resize(s, c);
    break;
  case K_SIGNAL:
    on_signal(s, c);
    break;
  case K_CLOSE_STDIN:
    stdin_close(s);
    reply(s, c, "");
    break;
  case K_REOPEN_LOG:
    reply(s, c, log_reopen(&s->log, &e) < 0 ? e.msg : "");
    break;
  case K_WAIT:
    c->waiting = 1;
    reply(s, c, "");
    break;
  }
}

static int known(unsigned kind)
{
  return kind == K_STDIN || (kind >= K_ATTACH && kind <= K_WAIT);
}

/* Feeds bytes read from the client through the frame parser. Returns -1 on a protocol error. */
static int parse(struct shim *s, struct client *c, const char *p, size_t n)
{
  while (n && !c->dead) {
    unsigned kind = c->hdr[0];
    if (c->hdr_len < sizeof c->hdr) {
      size_t take = sizeof c->hdr - c->hdr_len < n ? sizeof c->hdr - c->hdr_len : n;
      memcpy(c->hdr + c->hdr_len, p, take);
      c->hdr_len += take;
      p += take;
      n -= take;
      if (c->hdr_len < sizeof c->hdr)
        break;
      kind = c->hdr[0];
      c->left = be32(c->hdr + 4);
      c->ctl_len = 0;
      if (!known(kind) || c->hdr[1] || c->hdr[2] || c->hdr[3] || (kind != K_STDIN && c->left > CTL_MAX))
        return -1;
      if (c->left == 0) { /* a request without payload, or an empty STDIN: end of this attacher's stdin */
        c->hdr_len = 0;
        on_frame(s, c, kind);
      }
      continue;
    }
    size_t take = c->left < n ? c->left : n;
    if (kind == K_STDIN) {
      if ((c->flags & A_STDIN) && !c->stdin_done)
        stdin_write(s, p, take); /* anyone else's stdin bytes are dropped */
    } else {
      memcpy(c->ctl + c->ctl_len, p, take);
      c->ctl_len += take;
    }
    c->left -= (uint32_t)take;
    p += take;
    n -= take;
    if (c->left == 0) {
      c->hdr_len = 0;
      if (kind != K_STDIN)
        on_frame(s, c, kind);
    }
  }
  return 0;
}

void client_event(struct shim *s, struct client *c, uint32_t events)
{
  if (c->dead)
    return;
  if ((events & EPOLLOUT) && flush(s, c) < 0)
    return;
  if (c->closing && !c->q_len) {
    drop(s, c);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (s->stdin_paused && (c->flags & A_STDIN)) {
      if (events & (EPOLLHUP | EPOLLERR))
        drop(s, c); /* gone while its stdin waited: what it sent last is lost with it */
    } else {
      char buf[16384];
      ssize_t n = read(c->fd, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        drop(s, c);
      else if (n > 0 && parse(s, c, buf, (size_t)n) < 0) {
        reply(s, c, "protocol: unknown frame kind, non-zero reserved bytes or an oversized control payload");
        c->closing = 1;
        rearm(s, c);
        if (!c->q_len)
          drop(s, c);
      }
    }
  }
}

void clients_output(struct shim *s, enum stream st, const char *p, size_t n)
{
  unsigned want = st == OUT_STDOUT ? A_STDOUT : A_STDERR;
  for (struct client *c = s->clients; c; c = c->next)
    if (c->attached && (c->flags & want))
      send_frame(s, c, st == OUT_STDOUT ? K_STDOUT : K_STDERR, p, n);
}

void clients_pause_stdin(struct shim *s, int paused)
{
  (void)paused; /* wanted() reads s->stdin_paused */
  for (struct client *c = s->clients; c; c = c->next)
    if (c->flags & A_STDIN)
      rearm(s, c);
}

static long long ms_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clients_finish(struct shim *s, const char *exit_json, size_t len)
{
  /* No new clients: one that connects from now on finds no socket and reads the exit file. */
  epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
  close(s->listen_fd);
  s->listen_fd = -1;
  unlink(ATTACH_SOCKET);
  for (struct client *c = s->clients; c; c = c->next)
    if (c->waiting)
      send_frame(s, c, K_EXIT, exit_json, len);
  clients_sweep(s);
  long long until = ms_now() + FINISH_MS;
  for (;;) {
    struct pollfd pfd[MAX_CLIENTS];
    struct client *who[MAX_CLIENTS];
    nfds_t n = 0;
    for (struct client *c = s->clients; c && n < MAX_CLIENTS; c = c->next)
      if (c->q_len) {
        who[n] = c;
        pfd[n++] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
      }
    long long left = until - ms_now();
    if (n == 0 || left <= 0 || poll(pfd, n, (int)left) <= 0)
      break;
    for (nfds_t i = 0; i < n; i++)
      if (pfd[i].revents)
        flush(s, who[i]);
    clients_sweep(s);
  }
  for (struct client *c = s->clients; c; c = c->next)
    drop(s, c);
  clients_sweep(s);
}
