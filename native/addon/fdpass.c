/* File descriptors over AF_UNIX sockets (SCM_RIGHTS, unix(7)), the way runc's --console-socket hands
 * over a pty master: one fd per message, with a name as the message's bytes (stream sockets need at
 * least one). Both calls block: a socket that libuv made non-blocking is waited on with poll(2). */
#include "addon.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#define NAME_MAX_LEN 4096

/* Waits until fd is ready for `events`; 0 or -1 with errno. */
static int wait_for(int fd, short events)
{
  struct pollfd p = { .fd = fd, .events = events };
  int r;
  do
    r = poll(&p, 1, -1);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

/* sendFd(socketFd: number, fd: number, name: string) */
napi_value js_send_fd(napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  cleanup_free char *name = NULL;
  int32_t sock, fd;
  if (get_args(env, info, 3, argv) < 0 || arg_int32(env, argv[0], "socketFd", &sock) < 0 ||
      arg_int32(env, argv[1], "fd", &fd) < 0 || arg_string(env, argv[2], "name", 0, &name) < 0)
    return NULL;
  size_t len = strlen(name);
  if (len > NAME_MAX_LEN) {
    throw_arg(env, "name", "at most 4096 bytes");
    return NULL;
  }
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  /* An empty name still sends one NUL byte: ancillary data needs a byte to travel with. */
  struct iovec iov = { .iov_base = len ? name : "", .iov_len = len ? len : 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  for (;;) {
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0)
      return NULL; /* the fd rides with the first byte; a short write of the name does not matter */
    if (errno == EINTR)
      continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(sock, POLLOUT) == 0)
      continue;
    return throw_errno(env, errno, "sendmsg", NULL);
  }
}

/* recvFd(socketFd: number) -> fd (close-on-exec). The name that came with it is read and dropped. */
napi_value js_recv_fd(napi_env env, napi_callback_info info)
{
  napi_value argv[1];
  int32_t sock;
  if (get_args(env, info, 1, argv) < 0 || arg_int32(env, argv[0], "socketFd", &sock) < 0)
    return NULL;
  char name[NAME_MAX_LEN];
  union {
    char buf[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  ssize_t n;
  for (;;) {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0)
      break;
    if (errno == EINTR)
      continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(sock, POLLIN) == 0)
      continue;
    return throw_errno(env, errno, "recvmsg", NULL);
  }
  /* Take the first fd; close any others a misbehaving peer packed in, so none leak. */
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (fd < 0)
        fd = got;
      else
        close(got);
    }
  }
  if (fd >= 0)
    return make_int(env, fd);
  if (n == 0) {
    /* libuv's UV_EOF, as Node's sockets report a closed peer: code "EOF". */
    napi_value code, message, err, num;
    NAPI_OK(env, napi_create_string_utf8(env, "EOF", NAPI_AUTO_LENGTH, &code));
    NAPI_OK(env, napi_create_string_utf8(env, "recvmsg: end of file before a file descriptor arrived",
                                         NAPI_AUTO_LENGTH, &message));
    NAPI_OK(env, napi_create_error(env, code, message, &err));
    NAPI_OK(env, napi_create_int32(env, -4095, &num));
    NAPI_OK(env, napi_set_named_property(env, err, "errno", num));
    NAPI_OK(env, napi_create_string_utf8(env, "recvmsg", NAPI_AUTO_LENGTH, &code));
    NAPI_OK(env, napi_set_named_property(env, err, "syscall", code));
    napi_throw(env, err);
    return NULL;
  }
  /* Bytes without SCM_RIGHTS (or fds cut off by MSG_CTRUNC): not the message we wait for. */
  return throw_errno(env, EBADMSG, "recvmsg", NULL);
}
