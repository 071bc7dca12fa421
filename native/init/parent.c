/* berth-init's parent side: opens what lives on the host, joins namespaces, clones the container process,
 * maps its ids, puts it in its cgroups, lets it go and reports {"pid":N} or {"error":"..."} on the sync
 * fd. On any failure after clone the child is SIGKILLed and reaped before the report. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Host resources, all opened before any setns: a joined mount or user namespace would change what the
 * paths mean and what we may open. */
struct host {
  int proc;     /* /proc, for /proc/<pid>/{uid,gid}_map */
  int fifo_dir; /* FIFO_DIR */
  int console;  /* CONSOLE_SOCKET, connected */
  int *cgroups; /* one per CGROUP_PROCS, in plan order */
  size_t ncgroups;
};

static void host_close(struct host *h)
{
  for (size_t i = 0; i < h->ncgroups; i++)
    if (h->cgroups[i] >= 0)
      close(h->cgroups[i]);
  free(h->cgroups);
  h->cgroups = NULL;
  h->ncgroups = 0;
  if (h->proc >= 0)
    close(h->proc);
  h->proc = -1;
}

static int open_host(const struct plan *p, struct host *h, struct err *e)
{
  if (p->uid_map || p->gid_map) {
    h->proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (h->proc < 0)
      return err_sys(e, "open \"/proc\"");
  }
  h->cgroups = calloc(p->nsteps + 1, sizeof *h->cgroups);
  if (!h->cgroups)
    return err_sys(e, "allocate");
  for (size_t i = 0; i < p->nsteps; i++) {
    const struct step *s = &p->steps[i];
    if (s->op != OP_CGROUP_PROCS)
      continue;
    int fd = open(s->u.str, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return err_sys(e, "open \"%s\"", s->u.str);
    h->cgroups[h->ncgroups++] = fd;
  }
  if (p->fifo_dir) {
    h->fifo_dir = open(p->fifo_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (h->fifo_dir < 0)
      return err_sys(e, "open fifo dir \"%s\"", p->fifo_dir);
  }
  if (p->console_socket) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(p->console_socket) >= sizeof addr.sun_path)
      return err_num(e, ENAMETOOLONG, "connect console socket \"%s\"", p->console_socket);
    strcpy(addr.sun_path, p->console_socket);
    h->console = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h->console < 0 || connect(h->console, (struct sockaddr *)&addr, sizeof addr) < 0)
      return err_sys(e, "connect console socket \"%s\"", p->console_socket);
  }
  return 0;
}

/* setns in plan order (the user namespace first, so the rest are joined with its privileges). */
static int join_namespaces(const struct plan *p, struct err *e)
{
  size_t n = 0;
  for (size_t i = 0; i < p->nsteps; i++)
    n += p->steps[i].op == OP_JOIN_NS;
  if (!n)
    return 0;
  int fds[n];
  const struct step *steps[n];
  size_t k = 0;
  int r = 0;
  for (size_t i = 0; i < p->nsteps && !r; i++) {
    const struct step *s = &p->steps[i];
    if (s->op != OP_JOIN_NS)
      continue;
    steps[k] = s;
    fds[k] = open(s->u.join.path, O_RDONLY | O_CLOEXEC);
    if (fds[k] < 0)
      r = err_sys(e, "setns \"%s\"", s->u.join.path);
    else
      k++;
  }
  for (size_t i = 0; i < k && !r; i++)
    if (setns(fds[i], (int)steps[i]->u.join.nstype) < 0)
      r = err_sys(e, "setns \"%s\"", steps[i]->u.join.path);
  for (size_t i = 0; i < k; i++)
    close(fds[i]);
  return r;
}

static int write_map(int proc, pid_t pid, const char *file, const char *content, struct err *e)
{
  char path[64];
  size_t len = strlen(content);
  snprintf(path, sizeof path, "%d/%s", pid, file);
  cleanup_fd int fd = openat(proc, path, O_WRONLY | O_CLOEXEC);
  /* The kernel takes a map in one write only. */
  if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
    while (len && content[len - 1] == '\n')
      len--;
    return err_sys(e, "write %s \"%.*s\"", file, (int)len, content);
  }
  return 0;
}

/* Waits for READY: 0 on it, 1 when the child closed the socket without it, -1 with its error. A terminal
 * master sent meanwhile lands in *master. */
static int wait_ready(int sock, int sigfd, int *master, struct err *e)
{
  for (;;) {
    struct pollfd pfd[2] = {{.fd = sock, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return err_sys(e, "poll");
    }
    struct signalfd_siginfo si;
    while ((pfd[1].revents & POLLIN) && read(sigfd, &si, sizeof si) == sizeof si)
      if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
        return err_msg(e, "interrupted by signal %d (%s) before the container was ready", si.ssi_signo,
                       strsignal((int)si.ssi_signo));
    if (!pfd[0].revents)
      continue;
    char buf[ERR_MSG_MAX + 2];
    int fd;
    ssize_t n = recv_fd(sock, buf, sizeof buf - 1, &fd);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return err_sys(e, "read from the container process");
    }
    if (n == 0)
      return 1;
    buf[n] = '\0';
    if (buf[0] == SYNC_TERMINAL && fd >= 0 && *master < 0) {
      *master = fd;
      continue;
    }
    if (fd >= 0)
      close(fd);
    if (buf[0] == SYNC_READY)
      return 0;
    if (buf[0] == SYNC_ERROR)
      return err_msg(e, "%s", buf + 1);
    return err_msg(e, "unexpected message 0x%02x from the container process", (unsigned char)buf[0]);
  }
}

static void kill_and_reap(pid_t pid, int *status)
{
  kill(pid, SIGKILL);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR)
    ;
}

int parent_main(const struct plan *p, int run_mode, int sync_out)
{
  struct err e = {0};
  struct host h = {.proc = -1, .fifo_dir = -1, .console = -1};
  cleanup_fd int sigfd = -1;
  int sv[2] = {-1, -1}, master = -1, status = 0;
  pid_t pid = -1;

  /* Signals arrive through a signalfd: during setup they abort it, in run mode they are forwarded. SIGPIPE
   * is blocked so that a closed sync fd or stdout is an error, not our death. */
  sigset_t mask, block, old;
  sigemptyset(&mask);
  int forwarded[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset(&mask, forwarded[i]);
  block = mask;
  sigaddset(&block, SIGPIPE);
  if (sigprocmask(SIG_BLOCK, &block, &old) < 0 || (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
    err_sys(&e, "signalfd");
    goto fail;
  }
  if (open_host(p, &h, &e) < 0 || join_namespaces(p, &e) < 0)
    goto fail;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    err_sys(&e, "socketpair");
    goto fail;
  }

  /* The raw syscall, fork-like: the child of a new pid namespace must be a real clone child. */
  pid = (pid_t)syscall(SYS_clone, SIGCHLD | (unsigned long)p->clone_flags, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    err_sys(&e, "clone with flags 0x%llx", (unsigned long long)p->clone_flags);
    goto fail;
  }
  if (pid == 0) {
    struct child c = {.plan = p, .sync_fd = sv[1], .fifo_dir = h.fifo_dir, .console = h.console, .root_fd = -1};
    close(sv[0]);
    close(sync_out);
    close(sigfd);
    host_close(&h);
    sigprocmask(SIG_SETMASK, &old, NULL);
    child_main(&c);
  }
  close(sv[1]);
  sv[1] = -1;

  if ((p->uid_map && write_map(h.proc, pid, "uid_map", p->uid_map, &e) < 0) ||
      (p->gid_map && write_map(h.proc, pid, "gid_map", p->gid_map, &e) < 0))
    goto fail;
  for (size_t i = 0, k = 0; i < p->nsteps; i++) {
    if (p->steps[i].op != OP_CGROUP_PROCS)
      continue;
    char buf[16];
    int len = snprintf(buf, sizeof buf, "%d", pid);
    if (write(h.cgroups[k++], buf, (size_t)len) != len) {
      err_sys(&e, "write pid %d to \"%s\"", pid, p->steps[i].u.str);
      goto fail;
    }
  }
  host_close(&h);
  char go = SYNC_GO;
  if (send(sv[0], &go, 1, MSG_NOSIGNAL) != 1) {
    err_sys(&e, "start the container process");
    goto fail;
  }
  int r = wait_ready(sv[0], sigfd, &master, &e);
  if (r < 0)
    goto fail;
  if (r > 0) {
    kill_and_reap(pid, &status);
    pid = -1;
    if (WIFSIGNALED(status))
      err_msg(&e, "container process killed by signal %d before it was ready", WTERMSIG(status));
    else
      err_msg(&e, "container process exited with status %d before it was ready", WEXITSTATUS(status));
    goto fail;
  }
  close(sv[0]);
  sv[0] = -1;
  if (json_line(sync_out, "pid", NULL, pid) < 0) {
    err_sys(&e, "report the pid");
    goto fail;
  }
  close(sync_out);
  if (h.fifo_dir >= 0)
    close(h.fifo_dir);
  if (h.console >= 0)
    close(h.console);
  if (!run_mode)
    return 0;
  return run_wait(pid, sigfd, master);

fail:
  if (pid > 0)
    kill_and_reap(pid, &status);
  if (master >= 0)
    close(master);
  for (int i = 0; i < 2; i++)
    if (sv[i] >= 0)
      close(sv[i]);
  if (h.fifo_dir >= 0)
    close(h.fifo_dir);
  if (h.console >= 0)
    close(h.console);
  host_close(&h);
  return report_error(sync_out, &e);
}
