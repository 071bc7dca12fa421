/* The container process: waits for the parent's go, then runs the child steps in record order. Before
 * READY a failure goes to the parent as 'E' + message; after it, only stderr is left. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static _Noreturn void fail(struct child *c, const struct step *s, struct err *e)
{
  if (c->fifo >= 0) {
    /* After FIFO_WAIT, `start` reads on until exec: the message after the byte it took is its error. */
    if (write_all(c->fifo, e->msg, strlen(e->msg)) < 0)
      dprintf(2, "berth-init: %s\n", e->msg);
  } else if (!c->ready && c->sync_fd >= 0) {
    char msg[1 + ERR_MSG_MAX];
    size_t len = strlen(e->msg);
    msg[0] = SYNC_ERROR;
    memcpy(msg + 1, e->msg, len);
    send(c->sync_fd, msg, 1 + len, MSG_NOSIGNAL);
  } else {
    dprintf(2, "berth-init: %s\n", e->msg);
  }
  /* 127 when the program itself could not be run, as a shell says it. */
  _exit(s && s->op == OP_EXEC ? 127 : 1);
}

/* Until READY, the container process must not outlive berth-init (or linger after its failure). The
 * kernel clears this on every credential change, so it is set again after those. */
static void die_with_parent(struct child *c)
{
  if (!c->ready)
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static int ready(struct child *c, struct err *e)
{
  char msg = SYNC_READY;
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (send(c->sync_fd, &msg, 1, MSG_NOSIGNAL) != 1)
    return err_sys(e, "report ready to berth-init");
  c->ready = 1;
  close(c->sync_fd);
  c->sync_fd = -1;
  return 0;
}

/* Stops here while berth-init's hook runner runs the prestart and createRuntime hooks, in the runtime's
 * namespaces; goes on at its GO. Without one (berth-init killed us on a failed hook) it never returns. */
static int runtime_hooks(struct child *c, struct err *e)
{
  char msg = SYNC_HOOKS;
  if (send(c->sync_fd, &msg, 1, MSG_NOSIGNAL) != 1)
    return err_sys(e, "ask berth-init to run the runtime hooks");
  ssize_t n;
  do
    n = recv(c->sync_fd, &msg, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n != 1 || msg != SYNC_GO)
    _exit(1); /* the parent gave up: it kills and reports */
  return 0;
}

static int fifo_wait(struct child *c, struct err *e)
{
  int fd;
  /* Blocks until `start` opens the fifo for reading. */
  do
    fd = openat(c->fifo_dir, "exec.fifo", O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return err_sys(e, "open exec fifo \"%s/exec.fifo\"", c->plan->fifo_dir);
  if (write_all(fd, "0", 1) < 0) {
    err_sys(e, "write exec fifo \"%s/exec.fifo\"", c->plan->fifo_dir);
    close(fd);
    return -1;
  }
  /* Kept until exec closes it (CLOEXEC): its EOF tells `start` that the program runs, and a failure on
   * the way (a startContainer hook, exec itself) is written to it (runtime.md "Lifecycle" step 7). */
  c->fifo = fd;
  close(c->fifo_dir);
  c->fifo_dir = -1;
  return 0;
}

/* Joins each v1 hierarchy by writing "0" (this thread) to its tasks file, opened by the parent as host
 * root before clone (parent.c says why not cgroup.procs). */
static int join_cgroups(struct child *c, struct err *e)
{
  const struct plan *p = c->plan;
  int r = 0;
  for (size_t i = 0, k = 0; i < p->nsteps && k < c->ncgroup_tasks; i++) {
    if (p->steps[i].op != OP_CGROUP_V1)
      continue;
    if (!r && write(c->cgroup_tasks[k], "0", 1) != 1)
      r = err_sys(e, "join cgroup \"%s\"", p->steps[i].u.str);
    close(c->cgroup_tasks[k++]);
  }
  free(c->cgroup_tasks);
  c->cgroup_tasks = NULL;
  c->ncgroup_tasks = 0;
  return r;
}

static int run_step(struct child *c, const struct step *s, struct err *e)
{
  switch (s->op) {
  case OP_UNSHARE:
    if (unshare((int)s->u.flags) < 0)
      return err_sys(e, "unshare 0x%llx", (unsigned long long)s->u.flags);
    return 0;
  case OP_HOSTNAME:
    if (sethostname(s->u.str, strlen(s->u.str)) < 0)
      return err_sys(e, "sethostname \"%s\"", s->u.str);
    return 0;
  case OP_DOMAINNAME:
    if (setdomainname(s->u.str, strlen(s->u.str)) < 0)
      return err_sys(e, "setdomainname \"%s\"", s->u.str);
    return 0;
  case OP_OOM_SCORE_ADJ:
    return step_oom_score_adj(c, s, e);
  case OP_ROOTFS:
    return step_rootfs(c, s, e);
  case OP_MOUNT:
    return step_mount(c, s, e);
  case OP_MKDIR:
    return step_mkdir(c, s, e);
  case OP_SYMLINK:
    return step_symlink(c, s, e);
  case OP_MKNOD:
    return step_mknod(c, s, e);
  case OP_PIVOT:
    return step_pivot(c, s, e);
  case OP_PROPAGATE:
    return step_propagate(c, s, e);
  case OP_MASK:
    return step_mask(c, s, e);
  case OP_READONLY:
    return step_readonly(c, s, e);
  case OP_REMOUNT:
    return step_remount(c, s, e);
  case OP_SYSCTL:
    return step_sysctl(c, s, e);
  case OP_TERMINAL:
    return step_terminal(c, s, e);
  case OP_RLIMIT:
    return step_rlimit(c, s, e);
  case OP_CREDS: {
    int r = step_creds(c, s, e);
    die_with_parent(c);
    return r;
  }
  case OP_UMASK:
    umask(s->u.umask & 0777);
    return 0;
  case OP_CWD:
    return step_cwd(c, s, e);
  case OP_NO_NEW_PRIVS:
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      return err_sys(e, "set no_new_privs");
    return 0;
  case OP_SECCOMP:
    return step_seccomp(c, s, e);
  case OP_LOOKUP:
    return step_lookup(c, e);
  case OP_READY:
    return ready(c, e);
  case OP_FIFO_WAIT:
    return fifo_wait(c, e);
  case OP_EXEC:
    return step_exec(c, e);
  case OP_RUNTIME_HOOKS:
    return runtime_hooks(c, e);
  case OP_HOOK:
    return run_hook(s, c->host_pid, e);
  }
  return 0; /* parent-side records */
}

/* In a user namespace we start as the overflow uid: become its root, whose files the rootfs holds. */
static int become_ns_root(const struct plan *p, struct err *e)
{
  int userns = (p->clone_flags & CLONE_NEWUSER) != 0;
  for (size_t i = 0; i < p->nsteps; i++)
    if (p->steps[i].op == OP_JOIN_NS && p->steps[i].u.join.nstype == CLONE_NEWUSER)
      userns = 1;
  if (!userns)
    return 0;
  if (setresgid(0, 0, 0) < 0)
    return err_sys(e, "setresgid 0 in the user namespace");
  if (setresuid(0, 0, 0) < 0)
    return err_sys(e, "setresuid 0 in the user namespace");
  if (setgroups(0, NULL) < 0 && errno != EPERM) /* EPERM: setgroups is "deny" there */
    return err_sys(e, "setgroups in the user namespace");
  return 0;
}

_Noreturn void child_main(struct child *c)
{
  struct err e = {0};
  die_with_parent(c);
  char go[16];
  ssize_t n;
  do
    n = recv(c->sync_fd, go, sizeof go - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 2 || go[0] != SYNC_GO)
    _exit(1); /* the parent died or gave up: it kills and reports */
  go[n] = '\0';
  c->host_pid = (pid_t)atoi(go + 1);
  if (join_cgroups(c, &e) < 0)
    fail(c, NULL, &e);
  /* Becoming root of a user namespace changes our credentials, and the kernel makes us non-dumpable then
   * (fs.suid_dumpable): take harden.c's choice again, or our /proc/self is not ours to write. */
  if (become_ns_root(c->plan, &e) < 0 || set_dumpable(c->plan, &e) < 0)
    fail(c, NULL, &e);
  die_with_parent(c);
  if (setsid() < 0) {
    err_sys(&e, "setsid");
    fail(c, NULL, &e);
  }
  for (size_t i = 0; i < c->plan->nsteps; i++) {
    const struct step *s = &c->plan->steps[i];
    if (run_step(c, s, &e) < 0)
      fail(c, s, &e);
  }
  _exit(0);
}
