/* Process steps: OOM_SCORE_ADJ, SYSCTL, RLIMIT, CREDS, SECCOMP, LOOKUP, EXEC. */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int write_file(const char *what, const char *path, const char *value, struct err *e)
{
  cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || write_all(fd, value, strlen(value)) < 0)
    return err_sys(e, "write %s \"%s\"", what, value);
  return 0;
}

int step_oom_score_adj(struct child *c, const struct step *s, struct err *e)
{
  (void)c;
  char value[16];
  snprintf(value, sizeof value, "%d", s->u.oom);
  return write_file("oom_score_adj", "/proc/self/oom_score_adj", value, e);
}

int step_sysctl(struct child *c, const struct step *s, struct err *e)
{
  (void)c;
  const char *key = s->u.sysctl.key;
  char path[PATH_MAX];
  int n = snprintf(path, sizeof path, "/proc/sys/%s", key);
  if (n < 0 || (size_t)n >= sizeof path)
    return err_num(e, ENAMETOOLONG, "sysctl \"%s\"", key);
  /* net.ipv4.ip_forward -> net/ipv4/ip_forward; a key already written with slashes is taken as it is
   * (sysctl(8): then dots are part of names, as in net/ipv4/conf/eth0.100/forwarding). */
  if (!strchr(key, '/'))
    for (char *p = path + strlen("/proc/sys/"); *p; p++)
      if (*p == '.')
        *p = '/';
  char what[PATH_MAX + 16];
  snprintf(what, sizeof what, "sysctl \"%s\" =", key);
  return write_file(what, path, s->u.sysctl.value, e);
}

static const char *const rlimit_names[] = {
  "RLIMIT_CPU",     "RLIMIT_FSIZE",  "RLIMIT_DATA",   "RLIMIT_STACK",      "RLIMIT_CORE",     "RLIMIT_RSS",
  "RLIMIT_NPROC",   "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",        "RLIMIT_LOCKS",    "RLIMIT_SIGPENDING",
  "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

static void limit_str(char *buf, size_t size, uint64_t v)
{
  if (v == (uint64_t)RLIM_INFINITY)
    snprintf(buf, size, "unlimited");
  else
    snprintf(buf, size, "%llu", (unsigned long long)v);
}

int step_rlimit(struct child *c, const struct step *s, struct err *e)
{
  (void)c;
  uint32_t res = s->u.rlimit.resource;
  struct rlimit rl = {.rlim_cur = s->u.rlimit.soft, .rlim_max = s->u.rlimit.hard};
  if (prlimit(0, res, &rl, NULL) == 0)
    return 0;
  char soft[24], hard[24];
  limit_str(soft, sizeof soft, s->u.rlimit.soft);
  limit_str(hard, sizeof hard, s->u.rlimit.hard);
  const char *name = res < sizeof rlimit_names / sizeof rlimit_names[0] ? rlimit_names[res] : "RLIMIT_UNKNOWN";
  return err_sys(e, "setrlimit %s (%u) soft %s hard %s", name, res, soft, hard);
}

/* In runc's finalizeNamespace order; see PLAN.md "CREDS order". */
int step_creds(struct child *c, const struct step *s, struct err *e)
{
  (void)c;
  uint32_t uid = s->u.creds.uid, gid = s->u.creds.gid;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return err_sys(e, "set keepcaps");
  /* The last valid capability, probed rather than read from /proc, which the container may not have. */
  for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
    if (!(s->u.creds.bounding & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      return err_sys(e, "drop capability %d from the bounding set", cap);
  if (setgroups(s->u.creds.ngroups, s->u.creds.groups) < 0)
    return err_sys(e, "setgroups (%u groups)", s->u.creds.ngroups);
  if (setresgid(gid, gid, gid) < 0)
    return err_sys(e, "setresgid %u", gid);
  if (setresuid(uid, uid, uid) < 0)
    return err_sys(e, "setresuid %u", uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return err_sys(e, "clear keepcaps");

  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(s->u.creds.effective >> (32 * i));
    data[i].permitted = (uint32_t)(s->u.creds.permitted >> (32 * i));
    data[i].inheritable = (uint32_t)(s->u.creds.inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0)
    return err_sys(e, "capset effective 0x%llx permitted 0x%llx inheritable 0x%llx",
                   (unsigned long long)s->u.creds.effective, (unsigned long long)s->u.creds.permitted,
                   (unsigned long long)s->u.creds.inheritable);
  /* The kernel keeps ambient within permitted & inheritable and refuses the rest with EPERM. runc only
   * warns there (its starter spec asks for ambient caps without inheritable ones): skip those. */
  uint64_t allowed = s->u.creds.permitted & s->u.creds.inheritable;
  for (int cap = 0; cap < 64; cap++)
    if ((s->u.creds.ambient & (1ull << cap)) && (allowed & (1ull << cap)) &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return err_sys(e, "raise ambient capability %d", cap);
  return 0;
}

int step_seccomp(struct child *c, const struct step *s, struct err *e)
{
  (void)c;
  struct sock_fprog prog = {.len = (unsigned short)s->u.seccomp.len, .filter = s->u.seccomp.filter};
  if (s->u.seccomp.len > 0xffff)
    return err_num(e, EINVAL, "seccomp: %u instructions", s->u.seccomp.len);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->u.seccomp.flags, &prog) < 0)
    return err_sys(e, "seccomp (%u instructions, flags 0x%x)", s->u.seccomp.len, s->u.seccomp.flags);
  return 0;
}

/* 0 when path is a file we may execute, else an errno (as execve would say it). */
static int executable(const char *path)
{
  struct stat st;
  if (stat(path, &st) < 0)
    return errno;
  if (S_ISDIR(st.st_mode))
    return EACCES;
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
    return errno;
  return 0;
}

/* argv[0] as execvpe would find it, with the PATH of the container's env (Go's exec.LookPath). */
int step_lookup(struct child *c, struct err *e)
{
  const char *name = c->plan->process->u.process.argv[0];
  if (strchr(name, '/')) {
    int r = executable(name);
    if (r)
      return err_num(e, r, "exec \"%s\"", name);
    c->exec_path = name;
    return 0;
  }
  const char *path = NULL;
  for (char **env = c->plan->process->u.process.env; *env; env++)
    if (strncmp(*env, "PATH=", 5) == 0) {
      path = *env + 5;
      break;
    }
  if (!path)
    path = DEFAULT_PATH;
  for (;;) {
    size_t len = strcspn(path, ":");
    /* An empty entry is the current directory. */
    int n = len ? snprintf(c->exec_buf, sizeof c->exec_buf, "%.*s/%s", (int)len, path, name)
                : snprintf(c->exec_buf, sizeof c->exec_buf, "./%s", name);
    if (n > 0 && (size_t)n < sizeof c->exec_buf && executable(c->exec_buf) == 0) {
      c->exec_path = c->exec_buf;
      return 0;
    }
    if (!path[len])
      break;
    path += len + 1;
  }
  return err_msg(e, "exec: \"%s\": executable file not found in $PATH", name);
}

/* Everything from `from` up gets FD_CLOEXEC: close_range, or a walk when the kernel predates it. */
static int cloexec_from(unsigned from, struct err *e)
{
  if (close_range(from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  if (errno != ENOSYS && errno != EINVAL)
    return err_sys(e, "close_range %u", from);
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    for (struct dirent *de; (de = readdir(d));) {
      int fd = atoi(de->d_name);
      if (de->d_name[0] != '.' && fd >= (int)from && fd != dirfd(d))
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(d);
    return 0;
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return err_sys(e, "getrlimit RLIMIT_NOFILE");
  for (rlim_t fd = from; fd < rl.rlim_cur && fd < (1u << 20); fd++)
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

int step_exec(struct child *c, struct err *e)
{
  const struct step *p = c->plan->process;
  if (!c->exec_path && step_lookup(c, e))
    return -1;
  if (cloexec_from(3 + p->u.process.preserve_fds, e))
    return -1;
  execve(c->exec_path, p->u.process.argv, p->u.process.env);
  return err_sys(e, "exec \"%s\"", c->exec_path);
}
