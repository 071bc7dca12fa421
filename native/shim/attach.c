/* attach.sock: attachers and control requests, framed as PROTOCOL.md "Attach socket" says (8-byte header
 * as Docker's stream multiplexing: kind, three zero bytes, big-endian length). Every client has a bounded
 * output queue: one that falls CLIENT_QUEUE_MAX behind is disconnected, so a stuck attacher can never
 * hold up the container or the log. */
#include "client.h"
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ATTACH_SOCKET "attach.sock"
#define CLIENT_QUEUE_MAX (256 * 1024)
#define MAX_CLIENTS 64
#define FINISH_MS 1000 /* how long the EXIT frame and queued output may take to reach the clients */

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

void client_stdin_done(struct shim *s, struct client *c)
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
  client_stdin_done(s, c);
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
void client_send(struct shim *s, struct client *c, unsigned kind, const void *p, size_t n)
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
        client_request(s, c, kind);
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
        client_request(s, c, kind);
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
        client_reply(s, c, "protocol: unknown frame kind, non-zero reserved bytes or an oversized control payload");
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
      client_send(s, c, st == OUT_STDOUT ? K_STDOUT : K_STDERR, p, n);
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
      client_send(s, c, K_EXIT, exit_json, len);
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
