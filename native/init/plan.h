/* The plan of native/init/PLAN.md, decoded and structurally checked before anything starts. Strings point
 * into the plan buffer (each is NUL-terminated there), so the buffer must outlive the plan. */
#ifndef BERTH_INIT_PLAN_H
#define BERTH_INIT_PLAN_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum op {
  OP_CLONE = 1,
  OP_JOIN_NS = 2,
  OP_UID_MAP = 3,
  OP_GID_MAP = 4,
  OP_CGROUP_V1 = 5,
  OP_FIFO_DIR = 6,
  OP_CONSOLE_SOCKET = 7,
  OP_PROCESS = 8,
  OP_CGROUP_V2 = 9,
  OP_RUNTIME_HOOK = 10,
  OP_UNSHARE = 20,
  OP_HOSTNAME = 21,
  OP_DOMAINNAME = 22,
  OP_OOM_SCORE_ADJ = 23,
  OP_ROOTFS = 24,
  OP_MOUNT = 25,
  OP_MKDIR = 26,
  OP_SYMLINK = 27,
  OP_MKNOD = 28,
  OP_PIVOT = 29,
  OP_PROPAGATE = 30,
  OP_MASK = 31,
  OP_READONLY = 32,
  OP_REMOUNT = 33,
  OP_SYSCTL = 34,
  OP_TERMINAL = 35,
  OP_RLIMIT = 36,
  OP_CREDS = 37,
  OP_UMASK = 38,
  OP_CWD = 39,
  OP_NO_NEW_PRIVS = 40,
  OP_SECCOMP = 41,
  OP_LOOKUP = 42,
  OP_READY = 43,
  OP_FIFO_WAIT = 44,
  OP_EXEC = 45,
  OP_RUNTIME_HOOKS = 46,
  OP_HOOK = 47,
};

/* MOUNT kind bits. */
#define KIND_BIND 1u
#define KIND_FILE 2u
#define KIND_REMOUNT 4u
#define KIND_SOURCE_IN_ROOT 8u

struct step {
  uint16_t op;
  uint32_t index; /* position in the plan, from 0 */
  union {
    uint64_t flags; /* CLONE, UNSHARE */
    char *str;      /* UID_MAP GID_MAP CGROUP_V1 CGROUP_V2 FIFO_DIR CONSOLE_SOCKET HOSTNAME DOMAINNAME MASK READONLY CWD */
    int32_t oom;
    uint32_t no_pivot;
    uint32_t umask;
    struct {
      uint32_t nstype;
      char *path;
    } join;
    struct {
      char **argv;
      char **env;
      uint32_t argc;
      uint32_t preserve_fds;
    } process;
    struct {
      char *host_path;
      uint64_t propagation;
    } rootfs;
    struct {
      char *source, *dest, *fstype, *data;
      uint64_t flags;
      uint32_t kind;
      uint64_t propagation;
    } mount;
    struct {
      char *path;
      uint32_t mode;
    } mkdir;
    struct {
      char *target, *path;
    } symlink;
    struct {
      char *path;
      uint32_t mode;
      uint64_t dev;
      uint32_t uid, gid;
    } mknod;
    struct {
      char *path;
      uint64_t flags;
    } pathflags; /* PROPAGATE, REMOUNT */
    struct {
      char *key, *value;
    } sysctl;
    struct {
      uint32_t rows, cols;
    } terminal;
    struct {
      uint32_t resource;
      uint64_t soft, hard;
    } rlimit;
    struct {
      uint32_t uid, gid, ngroups;
      gid_t *groups;
      uint64_t bounding, effective, permitted, inheritable, ambient;
    } creds;
    struct {
      uint32_t flags, len;
      struct sock_filter *filter;
    } seccomp;
    struct {
      char *label, *path, *cwd, *state_head, *state_tail;
      char **args, **env;
      uint32_t nargs, timeout; /* timeout in seconds, 0 = none */
    } hook; /* RUNTIME_HOOK, HOOK */
  } u;
};

struct plan {
  struct step *steps;
  size_t nsteps;
  /* Singletons, for the parent. */
  uint64_t clone_flags;
  const struct step *process; /* NULL when absent */
  const char *uid_map, *gid_map, *fifo_dir, *console_socket, *cgroup_v2;
  int terminal; /* a TERMINAL step is present */
  size_t runtime_hooks; /* RUNTIME_HOOK records */
};

/* How berth-init was invoked (PLAN.md "Invocation"). */
enum mode { MODE_CREATE, MODE_RUN, MODE_HOOKS };

/* Decodes buf (the whole plan) into p. MODE_RUN: the parent stays and can proxy a terminal. */
int plan_parse(struct plan *p, uint8_t *buf, size_t len, enum mode mode, struct err *e);
/* The name of an op ("MOUNT"), or NULL when unknown. */
const char *op_name(unsigned op);

#endif
