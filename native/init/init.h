/* berth-init's two halves: the parent (main.c, parent.c) that joins namespaces, clones and reports, and
 * the child (child.c) that runs the container steps in order, one function per op below. */
#ifndef BERTH_INIT_INIT_H
#define BERTH_INIT_INIT_H

#include <limits.h>
#include <sys/types.h>

#include "err.h"
#include "plan.h"

/* Messages on the parent<->child sync socket (SOCK_SEQPACKET: one message per send). */
#define SYNC_GO 'G'       /* parent -> child: ids mapped, cgroup2 joined: go on */
#define SYNC_READY 'R'    /* child -> parent: report the pid */
#define SYNC_ERROR 'E'    /* child -> parent: 'E' + message; the child exits */
#define SYNC_TERMINAL 'T' /* child -> parent: the pty master as SCM_RIGHTS (run mode, no console socket) */
#define SYNC_HOOKS 'H'    /* child -> parent: stopped at RUNTIME_HOOKS; the parent answers GO or kills */

/* What the child carries from step to step. */
struct child {
  const struct plan *plan;
  int sync_fd;    /* child's end, -1 after READY */
  int fifo_dir;   /* FIFO_DIR, -1 when absent or used */
  int console;    /* CONSOLE_SOCKET, -1 when absent or used */
  int root_fd;    /* after ROOTFS: the rootfs; after PIVOT: "/" */
  int *cgroup_tasks;    /* <dir>/tasks of each CGROUP_V1, in plan order; joined first, then closed */
  size_t ncgroup_tasks;
  int pivoted;    /* paths are now plain paths in the new root */
  int ready;      /* READY done: errors can only go to stderr */
  const char *exec_path; /* LOOKUP's answer */
  pid_t host_pid; /* this process in berth-init's pid namespace, from GO: hooks get it in the state */
  int fifo;       /* after FIFO_WAIT: exec.fifo for writing until exec, where later errors go to `start` */
  char exec_buf[PATH_MAX];
};

/* parent.c: runs everything once the plan is parsed; returns berth-init's exit status. */
int parent_main(const struct plan *p, int run_mode, int sync_out);
/* main.c: writes {"error":...} to fd and closes it; returns 1, the exit status. */
int report_error(int fd, const struct err *e);
/* harden.c: re-executes berth-init from a sealed memfd copy unless it already runs from one (CVE-2019-5736);
 * returns 0 when sealed, -1 when that failed. */
int seal_self(char **argv, char **envp, struct err *e);
/* harden.c: makes berth-init non-dumpable unless its child must own its /proc files (CVE-2016-9962). */
int set_dumpable(const struct plan *p, struct err *e);
/* harden.c: closes every fd from `first` up except `keep` (the sync fd). */
int close_stray_fds(unsigned first, int keep, struct err *e);
/* child.c: runs the child steps; never returns. */
_Noreturn void child_main(struct child *c);

/* inroot.c: resolution of container paths under a root fd, never leaving it (CVE-2021-30465). */
enum { IR_NONE, IR_DIR, IR_FILE };
int inroot_open(int root, const char *path, int create, mode_t mode, int *out, struct err *e);
int inroot_parent(int root, const char *path, int *dirfd, char *name, size_t name_size, struct err *e);

/* rootfs.c */
int step_rootfs(struct child *c, const struct step *s, struct err *e);
int step_mount(struct child *c, const struct step *s, struct err *e);
int step_mkdir(struct child *c, const struct step *s, struct err *e);
int step_symlink(struct child *c, const struct step *s, struct err *e);
int step_mknod(struct child *c, const struct step *s, struct err *e);
int step_pivot(struct child *c, const struct step *s, struct err *e);
int step_propagate(struct child *c, const struct step *s, struct err *e);
int step_mask(struct child *c, const struct step *s, struct err *e);
int step_readonly(struct child *c, const struct step *s, struct err *e);
int step_remount(struct child *c, const struct step *s, struct err *e);

/* process.c */
int step_oom_score_adj(struct child *c, const struct step *s, struct err *e);
int step_sysctl(struct child *c, const struct step *s, struct err *e);
int step_rlimit(struct child *c, const struct step *s, struct err *e);
int step_creds(struct child *c, const struct step *s, struct err *e);
int step_seccomp(struct child *c, const struct step *s, struct err *e);
int step_lookup(struct child *c, struct err *e);
int step_exec(struct child *c, struct err *e);
/* harden.c: chdir to process.cwd, resolved inside the container's root (CVE-2024-21626). */
int step_cwd(struct child *c, const struct step *s, struct err *e);

/* hook.c: runs one RUNTIME_HOOK or HOOK with the state of container_pid on its stdin. */
int run_hook(const struct step *s, pid_t container_pid, struct err *e);

/* terminal.c */
/* Sends fd as SCM_RIGHTS with data. Returns 0 or -1 with errno. */
int send_fd(int sock, int fd, const void *data, size_t len);
/* Receives a message and maybe an fd (CLOEXEC, else *fd = -1). Returns its length, 0 at EOF, -1. */
ssize_t recv_fd(int sock, char *buf, size_t size, int *fd);
int step_terminal(struct child *c, const struct step *s, struct err *e);
/* Run mode: forwards signals read from sigfd to pid, proxies the terminal when master >= 0, reaps pid.
 * Returns berth-init's exit status: pid's exit code, or 128 + its signal. */
int run_wait(pid_t pid, int sigfd, int master);

#endif
