/* berth-init's parent side: opens what lives on the host, joins namespaces, clones the container process
 * (into its cgroup2 directory), maps its ids, lets it go and reports {"pid":N} or {"error":"..."} on the
 * sync fd. On any failure after clone the child is SIGKILLed and reaped before the report.
 *
 * Cgroups are joined without writing a pid to any cgroup.procs file where the kernel allows it: such a
 * write takes the global cgroup_threadgroup_rwsem for writing, and the first writer after a quiet spell
 * waits for an RCU grace period (10-20 ms here, the largest single cost of a container start). The v2
 * directory is entered at birth with clone3(CLONE_INTO_CGROUP), which takes that lock only for reading;
 * v1 hierarchies are entered by the child itself writing "0" to each `tasks` file, which moves just the
 * calling thread and so skips the lock (the child is single-threaded: the thread is the process). */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
  int *cgroups; /* <dir>/tasks, one per CGROUP_V1, in plan order: the child writes "0" to each */
  size_t ncgroups;
  int cgroup2_dir;   /* CGROUP_V2 directory, for CLONE_INTO_CGROUP */
  int cgroup2_procs; /* its cgroup.procs, for kernels or cases where clone3 refuses */
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
  if (h->cgroup2_dir >= 0)
    close(h->cgroup2_dir);
  h->cgroup2_dir = -1;
  if (h->cgroup2_procs >= 0)
    close(h->cgroup2_procs);
  h->cgroup2_procs = -1;
}

/* open(dir + "/" + name); ENAMETOOLONG when that does not fit. */
static int open_in(const char *dir, const char *name, int flags)
{
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return open(path, flags);
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
    if (s->op != OP_CGROUP_V1)
      continue;
    int fd = open_in(s->u.str, "tasks", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return err_sys(e, "open \"%s/tasks\"", s->u.str);
    h->cgroups[h->ncgroups++] = fd;
  }
  if (p->cgroup_v2) {
    h->cgroup2_dir = open(p->cgroup_v2, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (h->cgroup2_dir < 0)
      return err_sys(e, "open cgroup \"%s\"", p->cgroup_v2);
    h->cgroup2_procs = openat(h->cgroup2_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (h->cgroup2_procs < 0)
      return err_sys(e, "open \"%s/cgroup.procs\"", p->cgroup_v2);
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

/* The hook runner: forked before any setns, so that prestart and createRuntime hooks run in the runtime's
 * namespaces (config.md "POSIX-platform Hooks") even when berth-init then joins a container's user, net or
 * other namespace. It waits for the container's pid on its socket, runs every RUNTIME_HOOK in plan order,
 * answers "0" or "E<message>" and exits. */
static pid_t start_hook_runner(const struct plan *p, int *sock, struct err *e)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return err_sys(e, "socketpair");
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    return err_sys(e, "fork the hook runner");
  }
  if (pid > 0) {
    close(sv[1]);
    *sock = sv[0];
    return pid;
  }
  close(sv[0]);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  int32_t container = 0;
  ssize_t n;
  do
    n = recv(sv[1], &container, sizeof container, 0);
  while (n < 0 && errno == EINTR);
  if (n != sizeof container)
    _exit(0); /* berth-init gave up before the hooks */
  struct err he = {0};
  char reply[1 + ERR_MSG_MAX] = "0";
  size_t len = 1;
  for (size_t i = 0; i < p->nsteps; i++)
    if (p->steps[i].op == OP_RUNTIME_HOOK && run_hook(&p->steps[i], container, &he) < 0) {
      reply[0] = SYNC_ERROR;
      len = 1 + strlen(he.msg);
      memcpy(reply + 1, he.msg, len - 1);
      break;
    }
  send(sv[1], reply, len, MSG_NOSIGNAL);
  _exit(0);
}

/* RUNTIME_HOOKS: has the runner run the hooks for `pid`, reaps it, and lets the child go on. */
static int runtime_hooks(int *runner_sock, pid_t *runner, pid_t pid, int child_sock, struct err *e)
{
  if (*runner_sock < 0)
    return err_msg(e, "RUNTIME_HOOKS reached twice");
  int32_t container = pid;
  char reply[1 + ERR_MSG_MAX + 1];
  ssize_t n = -1;
  if (send(*runner_sock, &container, sizeof container, MSG_NOSIGNAL) == sizeof container)
    do
      n = recv(*runner_sock, reply, sizeof reply - 1, 0);
    while (n < 0 && errno == EINTR);
  close(take_fd(runner_sock));
  while (waitpid(*runner, NULL, 0) < 0 && errno == EINTR)
    ;
  *runner = -1;
  if (n <= 0)
    return err_msg(e, "the hook runner died before it answered");
  reply[n] = '\0';
  if (reply[0] == SYNC_ERROR)
    return err_msg(e, "%s", reply + 1);
  char go = SYNC_GO;
  if (send(child_sock, &go, 1, MSG_NOSIGNAL) != 1)
    return err_sys(e, "resume the container process after its hooks");
  return 0;
}

/* What wait_ready needs to answer RUNTIME_HOOKS. */
struct hooks_ctx {
  int sock;     /* the runner's socket, -1 when there is none or it was used */
  pid_t runner; /* the runner, -1 once reaped */
  pid_t child;
};

/* Waits for READY: 0 on it, 1 when the child closed the socket without it, -1 with its error. A terminal
 * master sent meanwhile lands in *master; a stop at RUNTIME_HOOKS is answered through hc. */
static int wait_ready(int sock, int sigfd, int *master, struct hooks_ctx *hc, struct err *e)
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
    if (buf[0] == SYNC_HOOKS) {
      if (runtime_hooks(&hc->sock, &hc->runner, hc->child, sock, e) < 0)
        return -1;
      continue;
    }
    if (buf[0] == SYNC_ERROR)
      return err_msg(e, "%s", buf + 1);
    return err_msg(e, "unexpected message 0x%02x from the container process", (unsigned char)buf[0]);
  }
}

/* Forks the container process with the plan's namespace flags, born in the cgroup2 directory if there is
 * one. clone3 may refuse CLONE_INTO_CGROUP (kernels before 5.7; a parent that joined another user
 * namespace may not write there): then a plain clone, and *in_cgroup2 = 0 tells the caller to write the
 * pid to cgroup.procs. Both are the raw syscalls, fork-like: the first process of a new pid namespace must
 * be a real clone child. */
static pid_t clone_child(const struct plan *p, const struct host *h, int *in_cgroup2)
{
  *in_cgroup2 = 0;
  if (h->cgroup2_dir >= 0) {
    struct clone_args args = {
      .flags = p->clone_flags | CLONE_INTO_CGROUP,
      .exit_signal = SIGCHLD,
      .cgroup = (uint64_t)h->cgroup2_dir,
    };
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) {
      *in_cgroup2 = 1;
      return (pid_t)pid;
    }
  }
  return (pid_t)syscall(SYS_clone, SIGCHLD | (unsigned long)p->clone_flags, NULL, NULL, NULL, NULL);
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
  struct host h = {.proc = -1, .fifo_dir = -1, .console = -1, .cgroup2_dir = -1, .cgroup2_procs = -1};
  cleanup_fd int sigfd = -1;
  int sv[2] = {-1, -1}, master = -1, status = 0;
  pid_t pid = -1;
  struct hooks_ctx hc = {.sock = -1, .runner = -1, .child = -1};

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
  if (open_host(p, &h, &e) < 0)
    goto fail;
  if (p->runtime_hooks && (hc.runner = start_hook_runner(p, &hc.sock, &e)) < 0)
    goto fail;
  if (join_namespaces(p, &e) < 0)
    goto fail;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    err_sys(&e, "socketpair");
    goto fail;
  }

  int in_cgroup2;
  pid = clone_child(p, &h, &in_cgroup2);
  if (pid < 0) {
    err_sys(&e, "clone with flags 0x%llx", (unsigned long long)p->clone_flags);
    goto fail;
  }
  if (pid == 0) {
    struct child c = {
      .plan = p, .sync_fd = sv[1], .fifo_dir = h.fifo_dir, .console = h.console, .root_fd = -1, .fifo = -1};
    close(sv[0]);
    close(sync_out);
    close(sigfd);
    if (hc.sock >= 0)
      close(hc.sock);
    /* The tasks files stay open for the child to join through; the rest of the host's fds go. */
    c.cgroup_tasks = h.cgroups;
    c.ncgroup_tasks = h.ncgroups;
    h.cgroups = NULL;
    h.ncgroups = 0;
    host_close(&h);
    sigprocmask(SIG_SETMASK, &old, NULL);
    child_main(&c);
  }
  close(sv[1]);
  sv[1] = -1;

  if ((p->uid_map && write_map(h.proc, pid, "uid_map", p->uid_map, &e) < 0) ||
      (p->gid_map && write_map(h.proc, pid, "gid_map", p->gid_map, &e) < 0))
    goto fail;
  if (!in_cgroup2 && h.cgroup2_procs >= 0) {
    char buf[16];
    int len = snprintf(buf, sizeof buf, "%d", pid);
    if (write(h.cgroup2_procs, buf, (size_t)len) != len) {
      err_sys(&e, "write pid %d to \"%s/cgroup.procs\"", pid, p->cgroup_v2);
      goto fail;
    }
  }
  host_close(&h);
  /* GO carries the child's pid as we see it, which hooks get in the state. */
  char go[16];
  int go_len = snprintf(go, sizeof go, "%c%d", SYNC_GO, pid);
  if (send(sv[0], go, (size_t)go_len, MSG_NOSIGNAL) != go_len) {
    err_sys(&e, "start the container process");
    goto fail;
  }
  hc.child = pid;
  int r = wait_ready(sv[0], sigfd, &master, &hc, &e);
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
  if (hc.sock >= 0) /* a runner never asked: its EOF lets it exit */
    close(take_fd(&hc.sock));
  if (hc.runner > 0) {
    while (waitpid(hc.runner, NULL, 0) < 0 && errno == EINTR)
      ;
    hc.runner = -1;
  }
  if (json_line(sync_out, "pid", NULL, pid) < 0) {
    err_sys(&e, "report the pid");
    goto fail;
  }
  if (h.fifo_dir >= 0)
    close(h.fifo_dir);
  if (h.console >= 0)
    close(h.console);
  if (!run_mode) {
    close(sync_out);
    return 0;
  }
  /* Held open until we exit: its EOF tells the caller that the container has exited. */
  return run_wait(pid, sigfd, master);

fail:
  if (pid > 0)
    kill_and_reap(pid, &status);
  if (hc.sock >= 0)
    close(hc.sock);
  if (hc.runner > 0)
    kill_and_reap(hc.runner, &status);
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
