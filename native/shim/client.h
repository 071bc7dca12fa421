/* A connection on attach.sock, shared by attach.c (sockets, queues, frames) and control.c (requests). */
#ifndef BERTH_SHIM_CLIENT_H
#define BERTH_SHIM_CLIENT_H

#include "shim.h"

#define CTL_MAX 16 /* the largest control payload (RESIZE and SIGNAL take 4 bytes) */

/* Frame kinds, both directions (PROTOCOL.md "Attach socket"), and the ATTACH flags. */
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

/* A big-endian u32 of the wire format. */
static inline uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Queues one frame; writes at once when nothing is queued before it. A client too far behind is dropped. */
void client_send(struct shim *s, struct client *c, unsigned kind, const void *p, size_t n);
/* One REPLY frame: msg is "" for done, or the error. */
void client_reply(struct shim *s, struct client *c, const char *msg);
/* Handles a complete request frame (its payload is in c->ctl). */
void client_request(struct shim *s, struct client *c, unsigned kind);
/* This client is done with stdin (stdin-once closes the container's). */
void client_stdin_done(struct shim *s, struct client *c);

#endif
