/* Runs one OCI hook (config.md "POSIX-platform Hooks"): path with args and exactly env, the container's
 * state JSON on stdin, killed once its timeout passes. stdout and stderr are captured (runc does the same)
 * and their end is quoted in the error when the hook fails. Used by the hook runner in the runtime's
 * namespaces (RUNTIME_HOOK records, `hooks` mode) and by the container process (HOOK steps). */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_KEEP 1024 /* bytes of the hook's output quoted in an error */

/* The hook's side of the fork: its stdio, no other fd, default signals, its cwd; never returns. */
static _Noreturn void exec_hook(const struct step *s, int in, int out)
{
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
    _exit(127);
  syscall(SYS_close_range, 3, ~0U, 0);
  if (s->u.hook.cwd[0] && chdir(s->u.hook.cwd) < 0) {
    dprintf(2, "chdir \"%s\": %s", s->u.hook.cwd, strerror(errno));
    _exit(127);
  }
  static char *const no_args[1] = {NULL};
  char *argv0[2] = {s->u.hook.path, NULL};
  char *const *argv = s->u.hook.nargs ? s->u.hook.args : argv0;
  execve(s->u.hook.path, argv, s->u.hook.env ? s->u.hook.env : no_args);
  dprintf(2, "exec: %s", strerror(errno));
  _exit(127);
}

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Keeps the last OUTPUT_KEEP bytes read from fd in buf. Returns 0 at EOF or error, 1 while open. */
static int read_output(int fd, char *buf, size_t *len)
{
  char chunk[4096];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 1;
  if (n <= 0)
    return 0;
  size_t k = (size_t)n;
  if (k >= OUTPUT_KEEP) {
    memcpy(buf, chunk + k - OUTPUT_KEEP, OUTPUT_KEEP);
    *len = OUTPUT_KEEP;
  } else {
    size_t keep = *len + k > OUTPUT_KEEP ? OUTPUT_KEEP - k : *len;
    memmove(buf, buf + *len - keep, keep);
    memcpy(buf + keep, chunk, k);
    *len = keep + k;
  }
  return 1;
}

static int run_one(const struct step *s, pid_t container_pid, struct err *e)
{
  const char *label = s->u.hook.label, *path = s->u.hook.path;
  char pid_text[16];
  snprintf(pid_text, sizeof pid_text, "%d", container_pid);
  const char *parts[3] = {s->u.hook.state_head, pid_text, s->u.hook.state_tail};
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0)
    return err_sys(e, "%s \"%s\": pipe", label, path);
  if (pipe2(out, O_CLOEXEC) < 0) {
    close(in[0]);
    close(in[1]);
    return err_sys(e, "%s \"%s\": pipe", label, path);
  }
  pid_t pid = fork();
  if (pid == 0)
    exec_hook(s, in[0], out[1]);
  close(in[0]);
  close(out[1]);
  cleanup_fd int to = in[1], from = out[0];
  if (pid < 0)
    return err_sys(e, "%s \"%s\": fork", label, path);
  cleanup_fd int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  fcntl(to, F_SETFL, O_NONBLOCK);
  fcntl(from, F_SETFL, O_NONBLOCK);

  /* Feed the state, collect the output, and wait for the exit or the deadline, all at once: a hook may
   * write before it reads, or never read at all. */
  long deadline = s->u.hook.timeout ? now_ms() + 1000L * s->u.hook.timeout : -1;
  size_t part = 0, off = 0, out_len = 0;
  char output[OUTPUT_KEEP];
  int exited = 0, timed_out = 0, status = 0;
  while (!exited) {
    struct pollfd pfd[3] = {{.fd = pidfd, .events = POLLIN}, {.fd = from, .events = POLLIN}, {.fd = to, .events = POLLOUT}};
    long wait = deadline < 0 ? -1 : deadline - now_ms();
    if (deadline >= 0 && wait <= 0) {
      timed_out = 1;
      kill(pid, SIGKILL);
      break;
    }
    /* Without a pidfd (old kernels), poll in slices and check with WNOHANG. */
    if (pidfd < 0 && (wait < 0 || wait > 50))
      wait = 50;
    if (poll(pfd, 3, (int)wait) < 0 && errno != EINTR)
      break;
    if (pfd[1].revents && !read_output(from, output, &out_len)) {
      close(take_fd(&from));
    }
    if (to >= 0 && (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      while (part < 3) {
        size_t len = strlen(parts[part]);
        ssize_t n = off < len ? write(to, parts[part] + off, len - off) : 0;
        if (n < 0)
          break;
        off += (size_t)n;
        if (off == len) {
          part++;
          off = 0;
        }
      }
      /* Done, or the hook closed its stdin (EPIPE: SIGPIPE is blocked or ignored where we run). */
      if (part == 3 || errno == EPIPE)
        close(take_fd(&to));
    }
    if (pidfd < 0 || pfd[0].revents)
      exited = waitpid(pid, &status, WNOHANG) == pid;
  }
  if (!exited)
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
  if (from >= 0)
    read_output(from, output, &out_len); /* what is left, without waiting for a daemon it started */
  while (out_len && (output[out_len - 1] == '\n' || output[out_len - 1] == '\r'))
    out_len--;
  char tail[OUTPUT_KEEP + 4];
  snprintf(tail, sizeof tail, "%s%.*s", out_len ? ": " : "", (int)out_len, output);
  if (timed_out)
    return err_msg(e, "%s \"%s\": timed out after %u s (killed)%s", label, path, s->u.hook.timeout, tail);
  if (WIFSIGNALED(status))
    return err_msg(e, "%s \"%s\": killed by signal %d%s", label, path, WTERMSIG(status), tail);
  if (WEXITSTATUS(status))
    return err_msg(e, "%s \"%s\": exited with status %d%s", label, path, WEXITSTATUS(status), tail);
  return 0;
}

int run_hook(const struct step *s, pid_t container_pid, struct err *e)
{
  /* A hook that closes its stdin unread must not kill us with SIGPIPE (the container process has it at
   * its default): ignored while the hook runs, the write just fails with EPIPE. */
  struct sigaction ignore = {.sa_handler = SIG_IGN}, old;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &old);
  int r = run_one(s, container_pid, e);
  sigaction(SIGPIPE, &old, NULL);
  return r;
}
