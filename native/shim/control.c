/* The requests of attach.sock (PROTOCOL.md "Attach socket"): ATTACH, RESIZE, SIGNAL, CLOSE_STDIN,
 * REOPEN_LOG, WAIT, and the end of an attacher's stdin. Each gets one REPLY: empty, or the error. */
#include "client.h"
#include "shim.h"

#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

void client_reply(struct shim *s, struct client *c, const char *msg)
{
  client_send(s, c, K_REPLY, msg, strlen(msg));
}

static void on_attach(struct shim *s, struct client *c)
{
  unsigned flags = c->ctl_len == 1 ? c->ctl[0] : 0x100;
  if (flags & ~7u)
    return client_reply(s, c, "attach: the payload must be one byte of flags (1 stdin, 2 stdout, 4 stderr)");
  if (c->attached)
    return client_reply(s, c, "attach: this connection is already attached");
  if ((flags & A_STDIN) && (s->in < 0 || s->in_closing))
    return client_reply(s, c, s->o->stdin_open ? "attach: stdin is closed" : "attach: the container has no stdin");
  c->flags = flags;
  c->attached = c->waiting = 1;
  client_reply(s, c, "");
}

static void on_resize(struct shim *s, struct client *c)
{
  if (c->ctl_len != 4)
    return client_reply(s, c, "resize: the payload must be rows and columns, two big-endian u16");
  struct winsize ws = {.ws_row = (unsigned short)(c->ctl[0] << 8 | c->ctl[1]),
                       .ws_col = (unsigned short)(c->ctl[2] << 8 | c->ctl[3])};
  if (s->master < 0)
    return client_reply(s, c, "resize: the container has no terminal");
  if (!ws.ws_row || !ws.ws_col)
    return client_reply(s, c, "resize: rows and columns must be at least 1");
  struct err e;
  if (ioctl(s->master, TIOCSWINSZ, &ws) < 0) {
    err_sys(&e, "resize");
    return client_reply(s, c, e.msg);
  }
  client_reply(s, c, "");
}

static void on_signal(struct shim *s, struct client *c)
{
  if (c->ctl_len != 4)
    return client_reply(s, c, "signal: the payload must be a big-endian u32 signal number");
  uint32_t sig = be32(c->ctl);
  struct err e;
  if (sig > 64) {
    err_msg(&e, "signal: %u is not a signal number", sig);
    return client_reply(s, c, e.msg);
  }
  /* The shim is the container's parent and has not reaped it, so its pid cannot have been reused. */
  if (s->reaped)
    return client_reply(s, c, "signal: the container has exited");
  if (kill(s->pid, (int)sig) < 0) {
    err_sys(&e, "signal %u to pid %d", sig, s->pid);
    return client_reply(s, c, e.msg);
  }
  client_reply(s, c, "");
}

void client_request(struct shim *s, struct client *c, unsigned kind)
{
  struct err e;
  switch (kind) {
  case K_STDIN: /* empty: this attacher is done with stdin */
    client_stdin_done(s, c);
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
    client_reply(s, c, "");
    break;
  case K_REOPEN_LOG:
    client_reply(s, c, log_reopen(&s->log, &e) < 0 ? e.msg : "");
    break;
  case K_WAIT:
    c->waiting = 1;
    client_reply(s, c, "");
    break;
  }
}

