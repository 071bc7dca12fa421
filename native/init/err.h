/* Errors the crun way: functions return 0, or -1 with a struct err holding errno and a message that
 * says what failed ("mount \"proc\" on \"/proc\" (proc): Operation not permitted"). Callers add context
 * with err_wrap. Only main() exits; after clone the child reports on the sync socket and _exit()s. */
#ifndef BERTH_INIT_ERR_H
#define BERTH_INIT_ERR_H

#include <stddef.h>
#include <stdio.h>

#define ERR_MSG_MAX 2048

struct err {
  int errnum; /* 0 when the failure is not a syscall's */
  char msg[ERR_MSG_MAX];
};

/* Sets the message from fmt plus ": strerror(errno)" (errno read on entry). Returns -1. */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same with an explicit errno. Returns -1. */
int err_num(struct err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A message without errno. Returns -1. */
int err_msg(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the message with fmt and ": ", keeping errnum. Returns -1. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes all of buf, retrying on EINTR and short writes. Returns 0 or -1 with errno. */
int write_all(int fd, const void *buf, size_t len);
/* Writes `{"key":"<escaped value>"}\n` (or a number when value is NULL) to fd. */
int json_line(int fd, const char *key, const char *value, long number);

void cleanup_fdp(int *fd);
void cleanup_freep(void *p);
void cleanup_filep(FILE **f);
#define cleanup_fd __attribute__((cleanup(cleanup_fdp)))
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_file __attribute__((cleanup(cleanup_filep)))

/* Hands an fd out of a cleanup_fd variable. */
static inline int take_fd(int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#endif
