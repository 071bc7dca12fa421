/* Reads the plan of PLAN.md: a bounded little-endian reader, one decoder per op, then the checks that
 * need the whole plan. Any problem is a plan error ("plan: record 7 (op 12): truncated") and nothing
 * has been started yet. */
#include "plan.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* What a CLONE record may hold. Not CLONE_NEWTIME: clone(2) reads that bit as part of the exit signal. */
#define NS_FLAGS                                                                                            \
  ((uint64_t)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |     \
              CLONE_NEWCGROUP))

static const char *const names[] = {
  [OP_CLONE] = "CLONE",           [OP_JOIN_NS] = "JOIN_NS",     [OP_UID_MAP] = "UID_MAP",
  [OP_GID_MAP] = "GID_MAP",       [OP_CGROUP_V1] = "CGROUP_V1",  [OP_CGROUP_V2] = "CGROUP_V2",
  [OP_FIFO_DIR] = "FIFO_DIR",     [OP_CONSOLE_SOCKET] = "CONSOLE_SOCKET",
  [OP_PROCESS] = "PROCESS",       [OP_UNSHARE] = "UNSHARE",     [OP_HOSTNAME] = "HOSTNAME",
  [OP_DOMAINNAME] = "DOMAINNAME", [OP_OOM_SCORE_ADJ] = "OOM_SCORE_ADJ",
  [OP_ROOTFS] = "ROOTFS",         [OP_MOUNT] = "MOUNT",         [OP_MKDIR] = "MKDIR",
  [OP_SYMLINK] = "SYMLINK",       [OP_MKNOD] = "MKNOD",         [OP_PIVOT] = "PIVOT",
  [OP_PROPAGATE] = "PROPAGATE",   [OP_MASK] = "MASK",           [OP_READONLY] = "READONLY",
  [OP_REMOUNT] = "REMOUNT",       [OP_SYSCTL] = "SYSCTL",       [OP_TERMINAL] = "TERMINAL",
  [OP_RLIMIT] = "RLIMIT",         [OP_CREDS] = "CREDS",         [OP_UMASK] = "UMASK",
  [OP_CWD] = "CWD",               [OP_NO_NEW_PRIVS] = "NO_NEW_PRIVS",
  [OP_SECCOMP] = "SECCOMP",       [OP_LOOKUP] = "LOOKUP",       [OP_READY] = "READY",
  [OP_FIFO_WAIT] = "FIFO_WAIT",   [OP_EXEC] = "EXEC",
  [OP_RUNTIME_HOOK] = "RUNTIME_HOOK", [OP_RUNTIME_HOOKS] = "RUNTIME_HOOKS", [OP_HOOK] = "HOOK",
};

const char *op_name(unsigned op)
{
  return op < sizeof names / sizeof names[0] ? names[op] : NULL;
}

/* A bounded cursor; `why` says what went wrong first. */
struct rd {
  uint8_t *p;
  size_t left;
  const char *why;
};

static int need(struct rd *r, size_t n)
{
  if (r->left >= n)
    return 0;
  r->why = "truncated";
  return -1;
}

static uint64_t le(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static int rd_u16(struct rd *r, uint16_t *v)
{
  if (need(r, 2))
    return -1;
  *v = (uint16_t)le(r->p, 2);
  r->p += 2;
  r->left -= 2;
  return 0;
}

static int rd_u32(struct rd *r, uint32_t *v)
{
  if (need(r, 4))
    return -1;
  *v = (uint32_t)le(r->p, 4);
  r->p += 4;
  r->left -= 4;
  return 0;
}

static int rd_u64(struct rd *r, uint64_t *v)
{
  if (need(r, 8))
    return -1;
  *v = le(r->p, 8);
  r->p += 8;
  r->left -= 8;
  return 0;
}

static int rd_str(struct rd *r, char **s)
{
  uint32_t n;
  if (rd_u32(r, &n) || need(r, (size_t)n + 1))
    return -1;
  if (memchr(r->p, 0, n)) {
    r->why = "string contains a NUL byte";
    return -1;
  }
  if (r->p[n] != 0) {
    r->why = "string is not NUL-terminated";
    return -1;
  }
  *s = (char *)r->p;
  r->p += (size_t)n + 1;
  r->left -= (size_t)n + 1;
  return 0;
}

/* A NULL-terminated array of count strings (each at least 5 bytes on the wire). */
static int rd_strlist(struct rd *r, char ***out, uint32_t *countp)
{
  uint32_t count;
  if (rd_u32(r, &count))
    return -1;
  if (count > r->left / 5)
    return need(r, (size_t)count * 5);
  char **list = calloc((size_t)count + 1, sizeof *list);
  if (!list) {
    r->why = "out of memory";
    return -1;
  }
  *out = list; /* owned by the plan, which lives until exec */
  for (uint32_t i = 0; i < count; i++)
    if (rd_str(r, &list[i]))
      return -1;
  if (countp)
    *countp = count;
  return 0;
}

static int decode(struct rd *r, struct step *s)
{
  switch (s->op) {
  case OP_CLONE:
  case OP_UNSHARE:
    return rd_u64(r, &s->u.flags);
  case OP_JOIN_NS:
    return rd_u32(r, &s->u.join.nstype) || rd_str(r, &s->u.join.path) ? -1 : 0;
  case OP_UID_MAP:
  case OP_GID_MAP:
  case OP_CGROUP_V1:
  case OP_CGROUP_V2:
  case OP_FIFO_DIR:
  case OP_CONSOLE_SOCKET:
  case OP_HOSTNAME:
  case OP_DOMAINNAME:
  case OP_MASK:
  case OP_READONLY:
  case OP_CWD:
    return rd_str(r, &s->u.str);
  case OP_PROCESS:
    return rd_strlist(r, &s->u.process.argv, &s->u.process.argc) || rd_strlist(r, &s->u.process.env, NULL) ||
                   rd_u32(r, &s->u.process.preserve_fds)
               ? -1
               : 0;
  case OP_OOM_SCORE_ADJ: {
    uint32_t v;
    if (rd_u32(r, &v))
      return -1;
    s->u.oom = (int32_t)v;
    return 0;
  }
  case OP_ROOTFS:
    return rd_str(r, &s->u.rootfs.host_path) || rd_u64(r, &s->u.rootfs.propagation) ? -1 : 0;
  case OP_MOUNT:
    return rd_str(r, &s->u.mount.source) || rd_str(r, &s->u.mount.dest) || rd_str(r, &s->u.mount.fstype) ||
                   rd_u64(r, &s->u.mount.flags) || rd_str(r, &s->u.mount.data) || rd_u32(r, &s->u.mount.kind) ||
                   rd_u64(r, &s->u.mount.propagation)
               ? -1
               : 0;
  case OP_MKDIR:
    return rd_str(r, &s->u.mkdir.path) || rd_u32(r, &s->u.mkdir.mode) ? -1 : 0;
  case OP_SYMLINK:
    return rd_str(r, &s->u.symlink.target) || rd_str(r, &s->u.symlink.path) ? -1 : 0;
  case OP_MKNOD:
    return rd_str(r, &s->u.mknod.path) || rd_u32(r, &s->u.mknod.mode) || rd_u64(r, &s->u.mknod.dev) ||
                   rd_u32(r, &s->u.mknod.uid) || rd_u32(r, &s->u.mknod.gid)
               ? -1
               : 0;
  case OP_PIVOT:
    return rd_u32(r, &s->u.no_pivot);
  case OP_PROPAGATE:
  case OP_REMOUNT:
    return rd_str(r, &s->u.pathflags.path) || rd_u64(r, &s->u.pathflags.flags) ? -1 : 0;
  case OP_SYSCTL:
    return rd_str(r, &s->u.sysctl.key) || rd_str(r, &s->u.sysctl.value) ? -1 : 0;
  case OP_TERMINAL:
    return rd_u32(r, &s->u.terminal.rows) || rd_u32(r, &s->u.terminal.cols) ? -1 : 0;
  case OP_RLIMIT:
    return rd_u32(r, &s->u.rlimit.resource) || rd_u64(r, &s->u.rlimit.soft) || rd_u64(r, &s->u.rlimit.hard) ? -1
                                                                                                              : 0;
  case OP_CREDS: {
    uint32_t n;
    if (rd_u32(r, &s->u.creds.uid) || rd_u32(r, &s->u.creds.gid) || rd_u32(r, &n))
      return -1;
    if (n > r->left / 4)
      return need(r, (size_t)n * 4);
    s->u.creds.ngroups = n;
    s->u.creds.groups = calloc(n ? n : 1, sizeof(gid_t));
    if (!s->u.creds.groups) {
      r->why = "out of memory";
      return -1;
    }
    for (uint32_t i = 0; i < n; i++)
      rd_u32(r, &s->u.creds.groups[i]);
    return rd_u64(r, &s->u.creds.bounding) || rd_u64(r, &s->u.creds.effective) ||
                   rd_u64(r, &s->u.creds.permitted) || rd_u64(r, &s->u.creds.inheritable) ||
                   rd_u64(r, &s->u.creds.ambient)
               ? -1
               : 0;
  }
  case OP_UMASK:
    return rd_u32(r, &s->u.umask);
  case OP_SECCOMP: {
    uint32_t n;
    if (rd_u32(r, &s->u.seccomp.flags) || rd_u32(r, &n) || need(r, (size_t)n * 8))
      return -1;
    /* The wire is unaligned: copy into a real sock_filter array. */
    s->u.seccomp.len = n;
    s->u.seccomp.filter = calloc(n ? n : 1, sizeof(struct sock_filter));
    if (!s->u.seccomp.filter) {
      r->why = "out of memory";
      return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
      struct sock_filter *f = &s->u.seccomp.filter[i];
      f->code = (uint16_t)le(r->p, 2);
      f->jt = r->p[2];
      f->jf = r->p[3];
      f->k = (uint32_t)le(r->p + 4, 4);
      r->p += 8;
      r->left -= 8;
    }
    return 0;
  }
  case OP_RUNTIME_HOOK:
  case OP_HOOK:
    return rd_str(r, &s->u.hook.label) || rd_str(r, &s->u.hook.path) ||
                   rd_strlist(r, &s->u.hook.args, &s->u.hook.nargs) || rd_strlist(r, &s->u.hook.env, NULL) ||
                   rd_u32(r, &s->u.hook.timeout) || rd_str(r, &s->u.hook.cwd) || rd_str(r, &s->u.hook.state_head) ||
                   rd_str(r, &s->u.hook.state_tail)
               ? -1
               : 0;
  case OP_RUNTIME_HOOKS:
  case OP_NO_NEW_PRIVS:
  case OP_LOOKUP:
  case OP_READY:
  case OP_FIFO_WAIT:
  case OP_EXEC:
    return 0;
  }
  r->why = "unknown op";
  return -1;
}

/* Checks that need the whole plan: singletons, and steps that depend on an earlier one. */
static int check(struct plan *p, enum mode mode, struct err *e)
{
  const struct step *seen[64] = {0};
  for (size_t i = 0; i < p->nsteps; i++) {
    const struct step *s = &p->steps[i];
    const char *name = op_name(s->op);
#define FAIL(...) (err_msg(e, __VA_ARGS__), err_wrap(e, "plan: record %u (op %u)", s->index, s->op))
    switch (s->op) {
    case OP_CLONE:
    case OP_UID_MAP:
    case OP_GID_MAP:
    case OP_FIFO_DIR:
    case OP_CONSOLE_SOCKET:
    case OP_CGROUP_V2:
    case OP_PROCESS:
    case OP_ROOTFS:
    case OP_PIVOT:
    case OP_TERMINAL:
    case OP_READY:
    case OP_EXEC:
      if (seen[s->op])
        return FAIL("duplicate %s (first at record %u)", name, seen[s->op]->index);
    }
    if (s->op >= OP_UNSHARE && seen[OP_EXEC])
      return FAIL("%s after EXEC is never run", name);
    switch (s->op) {
    case OP_CLONE:
      if (s->u.flags & ~NS_FLAGS)
        return FAIL("flags 0x%llx are not namespace flags", (unsigned long long)(s->u.flags & ~NS_FLAGS));
      p->clone_flags = s->u.flags;
      break;
    case OP_UID_MAP:
      p->uid_map = s->u.str;
      break;
    case OP_GID_MAP:
      p->gid_map = s->u.str;
      break;
    case OP_FIFO_DIR:
      p->fifo_dir = s->u.str;
      break;
    case OP_CONSOLE_SOCKET:
      p->console_socket = s->u.str;
      break;
    case OP_CGROUP_V2:
      p->cgroup_v2 = s->u.str;
      break;
    case OP_PROCESS:
      if (s->u.process.argc == 0)
        return FAIL("empty argv");
      if (s->u.process.preserve_fds > 1u << 20)
        return FAIL("preserve_fds %u is too large", s->u.process.preserve_fds);
      p->process = s;
      break;
    case OP_MOUNT:
    case OP_MKDIR:
    case OP_SYMLINK:
    case OP_MKNOD:
    case OP_PIVOT:
      if (!seen[OP_ROOTFS])
        return FAIL("%s before ROOTFS", name);
      break;
    case OP_TERMINAL:
      p->terminal = 1;
      break;
    case OP_RUNTIME_HOOK:
    case OP_HOOK:
      if (s->u.hook.path[0] != '/')
        return FAIL("hook path \"%s\" is not absolute", s->u.hook.path);
      p->runtime_hooks += s->op == OP_RUNTIME_HOOK;
      break;
    case OP_RUNTIME_HOOKS:
      /* The parent is asked over the sync socket, which READY closes. */
      if (seen[OP_READY])
        return FAIL("RUNTIME_HOOKS after READY");
      break;
    case OP_EXEC:
      if (!seen[OP_READY])
        return FAIL("EXEC without READY before it");
      break;
    }
    if (!seen[s->op])
      seen[s->op] = s;
  }
  /* Checks against parent-side records, which may come anywhere. */
  for (size_t i = 0; i < p->nsteps; i++) {
    const struct step *s = &p->steps[i];
    if ((s->op == OP_LOOKUP || s->op == OP_EXEC) && !p->process)
      return FAIL("%s without PROCESS", op_name(s->op));
    if (s->op == OP_FIFO_WAIT && !p->fifo_dir)
      return FAIL("FIFO_WAIT without FIFO_DIR");
    if (s->op == OP_RUNTIME_HOOKS && !p->runtime_hooks)
      return FAIL("RUNTIME_HOOKS without RUNTIME_HOOK records");
    if (s->op == OP_RUNTIME_HOOK && mode != MODE_HOOKS && !seen[OP_RUNTIME_HOOKS])
      return FAIL("RUNTIME_HOOK without a RUNTIME_HOOKS step to run it at");
    if (mode == MODE_HOOKS && s->op != OP_RUNTIME_HOOK)
      return FAIL("%s in hooks mode, which runs RUNTIME_HOOK records only", op_name(s->op));
    if (s->op == OP_TERMINAL && !p->console_socket) {
      if (mode != MODE_RUN)
        return FAIL("TERMINAL without CONSOLE_SOCKET in create mode");
      /* The master goes to the parent over the sync socket, which READY closes. */
      if (seen[OP_READY] && seen[OP_READY]->index < s->index)
        return FAIL("TERMINAL after READY without CONSOLE_SOCKET");
    }
  }
#undef FAIL
  return 0;
}

int plan_parse(struct plan *p, uint8_t *buf, size_t len, enum mode mode, struct err *e)
{
  memset(p, 0, sizeof *p);
  if (len < 8)
    return err_msg(e, "plan: truncated header (%zu bytes)", len);
  if (memcmp(buf, "BPLN", 4) != 0)
    return err_msg(e, "plan: bad magic (not a berth plan)");
  uint32_t version = (uint32_t)le(buf + 4, 4);
  if (version != 1)
    return err_msg(e, "plan: unsupported version %u", version);

  /* Every record has at least an 8-byte header: that bounds the step count. */
  p->steps = calloc((len - 8) / 8 + 1, sizeof *p->steps);
  if (!p->steps)
    return err_msg(e, "plan: out of memory");
  struct rd r = {.p = buf + 8, .left = len - 8};
  for (uint32_t index = 0; r.left > 0; index++) {
    uint16_t op, reserved;
    uint32_t plen;
    if (rd_u16(&r, &op))
      return err_msg(e, "plan: record %u: truncated header", index);
    if (rd_u16(&r, &reserved) || rd_u32(&r, &plen))
      return err_msg(e, "plan: record %u (op %u): truncated header", index, op);
    if (!op_name(op))
      return err_msg(e, "plan: record %u (op %u): unknown op", index, op);
    if (reserved != 0)
      return err_msg(e, "plan: record %u (op %u): reserved field is %u, not 0", index, op, reserved);
    if (plen > r.left)
      return err_msg(e, "plan: record %u (op %u): truncated", index, op);
    struct step *s = &p->steps[p->nsteps++];
    s->op = op;
    s->index = index;
    struct rd payload = {.p = r.p, .left = plen};
    if (decode(&payload, s))
      return err_msg(e, "plan: record %u (op %u): %s", index, op, payload.why);
    if (payload.left)
      return err_msg(e, "plan: record %u (op %u): %zu trailing bytes", index, op, payload.left);
    r.p += plen;
    r.left -= plen;
  }
  return check(p, mode, e);
}
