/* TERMINAL (child side), SCM_RIGHTS passing, and run mode's wait loop (parent side): signal forwarding,
 * and the terminal proxy when the master came to us rather than to a console socket. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int send_fd(int sock, int fd, const void *data, size_t len)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  memset(u.buf, 0, sizeof u.buf);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  for (;;) {
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n >= 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

ssize_t recv_fd(int sock, char *buf, size_t size, int *fd)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = buf, .iov_len = size};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  *fd = -1;
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -1;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(fd, CMSG_DATA(cm), sizeof *fd);
  return n;
}

int step_terminal(struct child *c, const struct step *s, struct err *e)
{
  cleanup_fd int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return err_sys(e, "open \"/dev/ptmx\"");
  if (unlockpt(master) < 0)
    return err_sys(e, "unlockpt");
  char name[64];
  if ((errno = ptsname_r(master, name, sizeof name)) != 0)
    return err_sys(e, "ptsname");
  cleanup_fd int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return err_sys(e, "open \"%s\"", name);
  if (s->u.terminal.rows || s->u.terminal.cols) {
    struct winsize ws = {.ws_row = (unsigned short)s->u.terminal.rows, .ws_col = (unsigned short)s->u.terminal.cols};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0)
      return err_sys(e, "set the terminal size to %ux%u", s->u.terminal.rows, s->u.terminal.cols);
  }
  /* As runc: the slave also answers at /dev/console, which the plan made as an empty file for it. */
  if (c->pivoted && mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
    return err_sys(e, "bind \"%s\" onto \"/dev/console\"", name);
  if (c->console >= 0) {
    /* runc's protocol: the master as SCM_RIGHTS, its name as the data. */
    if (send_fd(c->console, master, "/dev/ptmx", strlen("/dev/ptmx")) < 0)
      return err_sys(e, "send the pty master to the console socket");
    close(c->console);
    c->console = -1;
  } else {
    char msg = SYNC_TERMINAL;
    if (send_fd(c->sync_fd, master, &msg, 1) < 0)
      return err_sys(e, "send the pty master to berth-init");
  }
  for (int fd = 0; fd <= 2; fd++) {
    int r = fd == slave ? fcntl(fd, F_SETFD, 0) : dup2(slave, fd); /* dup2 leaves the copy inheritable */
    if (r < 0)
      return err_sys(e, "dup \"%s\" to fd %d", name, fd);
  }
  if (slave <= 2)
    take_fd(&slave);
  if (ioctl(0, TIOCSCTTY, 0) < 0)
    return err_sys(e, "make \"%s\" the controlling terminal", name);
  return 0;
}

static void resize(int master)
{
  struct winsize ws;
  if (master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

/* Reads what sigfd has: forwards, resizes, and reaps pid into *status. */
static void on_signals(int sigfd, pid_t pid, int master, int *status)
{
  struct signalfd_siginfo si;
  while (read(sigfd, &si, sizeof si) == sizeof si) {
    int sig = (int)si.ssi_signo;
    if (sig == SIGCHLD)
      continue;
    if (sig == SIGWINCH && master >= 0)
      resize(master);
    else
      kill(pid, sig);
  }
  int st;
  if (*status < 0 && waitpid(pid, &st, WNOHANG) == pid)
    *status = st;
}

/* After the child exits, output still in the pty is copied until EOF/EIO, or this long without any. */
#define DRAIN_IDLE_MS 500

int run_wait(pid_t pid, int sigfd, int master)
{
  struct termios saved;
  int raw = 0, status = -1, in_open = master >= 0;
  char in[4096], out[16384];
  size_t in_len = 0, in_off = 0;
  if (master >= 0) {
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    if (isatty(0) && tcgetattr(0, &saved) == 0) {
      struct termios t = saved;
      cfmakeraw(&t);
      raw = tcsetattr(0, TCSANOW, &t) == 0;
    }
    resize(master);
  }
  on_signals(sigfd, pid, master, &status); /* SIGCHLD may have been read while waiting for READY */
  while (status < 0 || master >= 0) {
    struct pollfd pfd[3] = {{.fd = sigfd, .events = POLLIN}};
    int n = 1, mi = -1, si = -1;
    if (master >= 0) {
      mi = n;
      pfd[n++] = (struct pollfd){.fd = master, .events = POLLIN | (in_len ? POLLOUT : 0)};
    }
    if (in_open && !in_len && status < 0) {
      si = n;
      pfd[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    }
    int r = poll(pfd, n, status < 0 ? -1 : DRAIN_IDLE_MS);
    if (r < 0 && errno != EINTR)
      break;
    if (r == 0)
      break; /* the child is gone and its terminal has been quiet */
    if (r < 0)
      continue;
    if (pfd[0].revents)
      on_signals(sigfd, pid, master, &status);
    if (mi >= 0 && (pfd[mi].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t k = read(master, out, sizeof out);
      if (k > 0)
        write_all(1, out, (size_t)k); /* a closed stdout must not stop the drain */
      else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(master); /* EIO: every slave fd is closed */
        master = -1;
      }
    }
    if (master >= 0 && mi >= 0 && (pfd[mi].revents & POLLOUT) && in_len) {
      ssize_t k = write(master, in + in_off, in_len);
      if (k > 0) {
        in_off += (size_t)k;
        in_len -= (size_t)k;
      } else if (errno != EAGAIN && errno != EINTR) {
        in_len = 0;
      }
    }
    if (si >= 0 && (pfd[si].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t k = read(0, in, sizeof in);
      if (k > 0) {
        in_off = 0;
        in_len = (size_t)k;
      } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        in_open = 0;
      }
    }
  }
  if (master >= 0)
    close(master);
  if (raw)
    tcsetattr(0, TCSANOW, &saved);
  while (status < 0) {
    int st;
    if (waitpid(pid, &st, 0) == pid)
      status = st;
    else if (errno != EINTR)
      return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
