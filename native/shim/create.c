/* Creates the container, either way of DESIGN.md "Between the shim and the container":
 *  - built-in: `berth-init create --plan-fd 3 --sync-fd 4` with the plan the daemon wrote (native/init/PLAN.md
 *    "Invocation"); berth-init reports {"pid":N} and exits, and the container is re-parented to us;
 *  - OCI runtime: `<runtime> [--root R] [args] --log runtime.log --log-format json create --bundle B
 *    --pid-file container.pid [--console-socket console.sock] <id>`, as containerd's shim and conmon call
 *    runc (docs/engines.md), or `exec --process P --detach` for a process added to a running container;
 *    its error is the last "level":"error" line of --log, else its stderr.
 * Either way the child's stdio is the container's: our pipes, or with a terminal /dev/null and an error
 * pipe while the pty master comes back over console.sock (SCM_RIGHTS, runc-cli/terminals.md). */
#include "json.h"
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONSOLE_SOCKET "console.sock"

/* Child-side fds of the container's stdio, closed by us once the child has them. */
struct stdio_fds {
  int child[3];
  int err_read; /* with a terminal: the runtime's stdout+stderr, for its error message */
  int null;
};

static void close_child_side(struct stdio_fds *io)
{
  for (int i = 0; i < 3; i++) {
    if (io->child[i] >= 0 && io->child[i] != io->null && (i == 0 || io->child[i] != io->child[i - 1]))
      close(io->child[i]);
    io->child[i] = -1;
  }
  if (io->null >= 0)
    close(io->null);
  io->null = -1;
}

static int make_stdio(struct shim *s, struct stdio_fds *io, struct err *e)
{
  int p[2];
  if ((io->null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
    return err_sys(e, "open \"/dev/null\"");
  if (s->o->terminal) {
    if (pipe2(p, O_CLOEXEC) < 0)
      return err_sys(e, "pipe");
    io->child[0] = io->null;
    io->child[1] = io->child[2] = p[1];
    io->err_read = p[0];
    return 0;
  }
  io->child[0] = io->null;
  if (s->o->stdin_open) {
    if (pipe2(p, O_CLOEXEC) < 0)
      return err_sys(e, "pipe");
    io->child[0] = p[0];
    s->in = p[1];
  }
  for (int i = 0; i < 2; i++) {
    if (pipe2(p, O_CLOEXEC) < 0)
      return err_sys(e, "pipe");
    io->child[1 + i] = p[1];
    s->out[i] = p[0];
  }
  return 0;
}

/* fork + exec with the child's fds 0..n-1 = fds[], cwd, default signal mask and dispositions. An exec
 * failure comes back as errno through a close-on-exec pipe, so "not found" is an error, not an exit 127. */
static pid_t spawn(const char *const argv[], const int *fds, int n, const char *cwd, struct err *e)
{
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0)
    return err_sys(e, "pipe");
  pid_t pid = fork();
  if (pid < 0) {
    close(ep[0]);
    close(ep[1]);
    return err_sys(e, "fork");
  }
  if (pid == 0) {
    int report = fcntl(ep[1], F_DUPFD_CLOEXEC, 64), moved[8], saved;
    for (int i = 0; i < n; i++)
      moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 32);
    for (int i = 0; i < n; i++)
      dup2(moved[i], i); /* the copy at i is inheritable */
    syscall(SYS_close_range, n, report - 1, 0);
    syscall(SYS_close_range, report + 1, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (!cwd || chdir(cwd) == 0)
      execv(argv[0], (char *const *)argv);
    saved = errno;
    write_all(report, &saved, sizeof saved);
    _exit(127);
  }
  close(ep[1]);
  int child_errno;
  ssize_t got;
  while ((got = read(ep[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR)
    ;
  close(ep[0]);
  if (got == (ssize_t)sizeof child_errno) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    return err_num(e, child_errno, "start \"%s\"%s%s", argv[0], cwd ? " in " : "", cwd ? cwd : "");
  }
  return pid;
}

static int wait_child(pid_t pid)
{
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return st;
}

static int console_listen(const char *dir, struct err *e)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = CONSOLE_SOCKET};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  unlink(CONSOLE_SOCKET);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4) < 0) {
    err_sys(e, "listen on \"%s/%s\"", dir, CONSOLE_SOCKET);
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

/* The runtime has exited: its connection (and the master it sent) waits in the backlog. */
static int console_receive(int lfd, int *master, struct err *e)
{
  cleanup_fd int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0)
    return errno == EAGAIN ? err_msg(e, "terminal: nothing connected to the console socket")
                           : err_sys(e, "accept on the console socket");
  char name[256];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  if (recvmsg(c, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
    return err_sys(e, "terminal: receive the pty master");
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
    return err_msg(e, "terminal: the console socket message carried no file descriptor");
  memcpy(master, CMSG_DATA(cm), sizeof *master);
  return 0;
}

static const char *dir_path(char *buf, const char *dir, const char *name)
{
  snprintf(buf, PATH_MAX, "%s/%s", dir, name);
  return buf;
}

/* Global flags of every runtime call: [--root R] [--runtime-arg...] --log runtime.log --log-format json. */
static size_t runtime_globals(const struct opts *o, const char **argv, char *log)
{
  size_t n = 0;
  argv[n++] = o->runtime;
  if (o->runtime_root) {
    argv[n++] = "--root";
    argv[n++] = o->runtime_root;
  }
  for (size_t i = 0; i < o->nruntime_args; i++)
    argv[n++] = o->runtime_args[i];
  argv[n++] = "--log";
  argv[n++] = dir_path(log, o->dir, "runtime.log");
  argv[n++] = "--log-format";
  argv[n++] = "json";
  return n;
}

/* Undoes a create that succeeded before a later step failed: `<runtime> delete --force <id>`. */
static void runtime_delete(const struct opts *o)
{
  const char *argv[16 + MAX_RUNTIME_ARGS];
  char log[PATH_MAX];
  size_t n = runtime_globals(o, argv, log);
  argv[n++] = "delete";
  argv[n++] = "--force";
  argv[n++] = o->id;
  argv[n] = NULL;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  int fds[3] = {null, null, null};
  struct err ignored;
  pid_t pid = spawn(argv, fds, 3, o->bundle, &ignored);
  if (pid > 0)
    wait_child(pid);
  close(null);
}

/* The runtime's own words for its failure (docs/engines.md section 3). */
static void runtime_error(const struct opts *o, int err_fd, int status, struct err *e)
{
  char buf[65536], msg[ERR_MSG_MAX];
  int fd = open("runtime.log", O_RDONLY | O_CLOEXEC);
  int found = 0;
  if (fd >= 0) {
    struct stat st;
    off_t from = fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof buf - 1 ? st.st_size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    char level[16], *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
      if (json_string_field(line, "level", level, sizeof level) == 0 && strcmp(level, "error") == 0 &&
          json_string_field(line, "msg", msg, sizeof msg) == 0)
        found = 1; /* the last one wins, as containerd reads it */
  }
  if (found) {
    err_msg(e, "%s", msg);
    return;
  }
  ssize_t n = err_fd >= 0 ? read(err_fd, buf, 4096) : -1;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
    n--;
  if (n > 0) {
    buf[n] = '\0';
    err_msg(e, "%s", buf);
  } else if (WIFSIGNALED(status))
    err_msg(e, "runtime \"%s\" %s: killed by signal %d", o->runtime, o->exec_process ? "exec" : "create",
            WTERMSIG(status));
  else
    err_msg(e, "runtime \"%s\" %s: exited with status %d and no message", o->runtime,
            o->exec_process ? "exec" : "create", WEXITSTATUS(status));
}

static int read_pid_file(pid_t *pid, struct err *e)
{
  char buf[32];
  int fd = open("container.pid", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(e, "read the runtime's --pid-file");
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
  char *end;
  long v = strtol(buf, &end, 10);
  if (v <= 0 || (*end && *end != '\n'))
    return err_msg(e, "the runtime's --pid-file holds \"%s\", not a pid", buf);
  *pid = (pid_t)v;
  return 0;
}

/* `create` (or, for an exec, `exec --process P --detach`) with the container's stdio; then the pid file
 * and the pty master. A later failure undoes what the runtime made: the container (`delete --force`), or
 * only the exec'd process (SIGKILL: it is our child now). */
static int create_with_runtime(struct shim *s, struct stdio_fds *io, int console, struct err *e)
{
  const struct opts *o = s->o;
  const char *argv[20 + MAX_RUNTIME_ARGS];
  char log[PATH_MAX], pidfile[PATH_MAX], sock[PATH_MAX];
  size_t n = runtime_globals(o, argv, log);
  if (o->exec_process) {
    argv[n++] = "exec";
    argv[n++] = "--process";
    argv[n++] = o->exec_process;
    argv[n++] = "--detach";
  } else {
    argv[n++] = "create";
    argv[n++] = "--bundle";
    argv[n++] = o->bundle;
  }
  argv[n++] = "--pid-file";
  argv[n++] = dir_path(pidfile, o->dir, "container.pid");
  if (o->terminal) {
    argv[n++] = "--console-socket";
    argv[n++] = dir_path(sock, o->dir, CONSOLE_SOCKET);
  }
  argv[n++] = o->id;
  argv[n] = NULL;
  pid_t pid = spawn(argv, io->child, 3, o->bundle, e);
  if (pid < 0)
    return -1;
  close_child_side(io);
  int st = wait_child(pid);
  if (st != 0) {
    int err_fd = o->terminal ? io->err_read : s->out[1];
    fcntl(err_fd, F_SETFL, O_NONBLOCK);
    runtime_error(o, err_fd, st, e);
    return -1;
  }
  if (read_pid_file(&s->pid, e) < 0 || (o->terminal && console_receive(console, &s->master, e) < 0)) {
    if (!o->exec_process)
      runtime_delete(o);
    else if (s->pid > 0 && kill(s->pid, SIGKILL) == 0)
      wait_child(s->pid);
    return -1;
  }
  return 0;
}

static int create_builtin(struct shim *s, struct stdio_fds *io, int console, struct err *e)
{
  const struct opts *o = s->o;
  cleanup_fd int plan = open(o->plan, O_RDONLY | O_CLOEXEC);
  if (plan < 0)
    return err_sys(e, "open plan \"%s\"", o->plan);
  unlink(o->plan); /* read once, by berth-init; the daemon need not clean it up */
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0)
    return err_sys(e, "pipe");
  const char *argv[] = {o->init, "create", "--plan-fd", "3", "--sync-fd", "4", NULL};
  int fds[5] = {io->child[0], io->child[1], io->child[2], plan, sync[1]};
  pid_t pid = spawn(argv, fds, 5, NULL, e);
  close(sync[1]);
  close_child_side(io);
  if (pid < 0) {
    close(sync[0]);
    return -1;
  }
  char line[ERR_MSG_MAX * 6 + 64];
  size_t len = 0;
  ssize_t got;
  while (len < sizeof line - 1 && (got = read(sync[0], line + len, sizeof line - 1 - len)) != 0) {
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      break;
    len += (size_t)got;
    if (memchr(line, '\n', len))
      break;
  }
  close(sync[0]);
  line[len] = '\0';
  int st = wait_child(pid);
  char msg[ERR_MSG_MAX];
  const char *p = strstr(line, "{\"pid\":");
  if (p && st == 0) {
    s->pid = (pid_t)strtol(p + 7, NULL, 10);
  } else if (json_string_field(line, "error", msg, sizeof msg) == 0) {
    return err_msg(e, "%s", msg);
  } else {
    return err_msg(e, "berth-init \"%s\" exited with status %d without reporting", o->init,
                   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
  if (o->terminal && console_receive(console, &s->master, e) < 0) {
    kill(s->pid, SIGKILL);
    wait_child(s->pid);
    return -1;
  }
  return 0;
}

int create_container(struct shim *s, struct err *e)
{
  struct stdio_fds io = {.child = {-1, -1, -1}, .err_read = -1, .null = -1};
  int console = -1, r = -1;
  if (s->o->terminal && (console = console_listen(s->o->dir, e)) < 0)
    return -1;
  if (make_stdio(s, &io, e) == 0)
    r = s->o->init ? create_builtin(s, &io, console, e) : create_with_runtime(s, &io, console, e);
  close_child_side(&io);
  if (io.err_read >= 0)
    close(io.err_read);
  if (console >= 0) {
    close(console);
    unlink(CONSOLE_SOCKET);
  }
  if (r < 0)
    return -1;
  if (s->master >= 0) {
    s->out[0] = s->master;
    if (s->o->stdin_open && (s->in = fcntl(s->master, F_DUPFD_CLOEXEC, 3)) < 0)
      return err_sys(e, "dup the pty master");
  }
  for (int i = 0; i < 2; i++)
    if (s->out[i] >= 0)
      fcntl(s->out[i], F_SETFL, O_NONBLOCK);
  if (s->in >= 0)
    fcntl(s->in, F_SETFL, O_NONBLOCK);
  return 0;
}
