/* What keeps a container from reaching the host through berth-init itself: the sealed copy it runs from
 * (CVE-2019-5736), no ptrace or /proc/<pid>/{fd,exe,cwd,root} access to it while it holds host resources
 * (CVE-2016-9962), no fd but the ones it was given, and a working directory resolved inside the
 * container's root (CVE-2024-21626).
 *
 * CVE-2019-5736: a container must never reach the host's berth-init binary through /proc/<pid>/exe.
 * Every berth-init process that a container can see (the container process itself until its execve, an
 * `exec` process, and any program a container makes the runtime run through "#!/proc/self/exe") has
 * berth-init as its executable. In the original attack the container opens /proc/<pid>/exe (O_PATH, or
 * O_RDONLY while the binary runs and ETXTBSY forbids writing), waits for the process to exit or execve,
 * reopens /proc/self/fd/N for writing and replaces the host binary: the next container start runs the
 * attacker's code as host root.
 *
 * So berth-init first copies itself into a memfd, seals it (F_SEAL_SEAL | SHRINK | GROW | WRITE: no
 * write, truncate or growth is ever possible again, not even for root) and re-executes from it, as runc's
 * fix does (libcontainer/nsenter/cloned_binary.c, runc 1.0-1.1). /proc/<pid>/exe then names the sealed
 * copy, and the host file is never the executable of anything a container can see. The check that we
 * already run sealed is one open of /proc/self/exe and F_GET_SEALS, so a caller that starts many inits
 * (a daemon) can hand berth-init a sealed memfd of its own (posix_spawn of /proc/self/fd/N) and skip the
 * copy; no environment variable or flag is trusted for it.
 *
 * Why not runc 1.2's private read-only overlayfs mount over the binary: it avoids the copy, but sets up
 * and tears down a mount on every start, and the file under it stays the writable host inode. The copy
 * is cheap for a static binary of under 1 MB (README.md "Hardening" has the measured cost). */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: with vm.memfd_noexec set, a memfd must ask to be executable */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Whether fd is a memfd carrying all of SEALS. */
static int is_sealed(int fd)
{
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int make_sealed_copy(int exe, int *out, struct err *e)
{
  struct stat st;
  if (fstat(exe, &st) < 0)
    return err_sys(e, "seal: stat \"/proc/self/exe\"");
  cleanup_fd int mfd = memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
    mfd = memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return err_sys(e, "seal: memfd_create");
  /* One allocation up front, then an in-kernel copy: no buffer in user space. */
  if (ftruncate(mfd, st.st_size) < 0)
    return err_sys(e, "seal: size the copy to %lld bytes", (long long)st.st_size);
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, exe, &off, (size_t)(st.st_size - off));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? err_sys(e, "seal: copy \"/proc/self/exe\"")
                   : err_msg(e, "seal: \"/proc/self/exe\" shrank while being copied");
  }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
    return err_sys(e, "seal: add seals to the copy");
  *out = take_fd(&mfd);
  return 0;
}

int seal_self(char **argv, char **envp, struct err *e)
{
  cleanup_fd int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return err_sys(e, "seal: open \"/proc/self/exe\"");
  if (is_sealed(exe)) {
    prctl(PR_SET_NAME, "berth-init", 0, 0, 0); /* not "memfd:berth-ini" in ps(1) */
    return 0;
  }
  cleanup_fd int copy = -1;
  if (make_sealed_copy(exe, &copy, e) < 0)
    return -1;
  /* fexecve(3) of an O_CLOEXEC fd: the kernel opens the file before it closes the fd. Our other fds
   * (plan, sync, preserved) are passed on exactly as they are. */
  syscall(SYS_execveat, copy, "", argv, envp, AT_EMPTY_PATH);
  return err_sys(e, "seal: execute the sealed copy");
}

/* CVE-2024-21626: runc chdir'ed to process.cwd while it still held an fd to the host's cgroupfs, so a cwd
 * of "/proc/self/fd/7" left the container's process in a host directory. Here the cwd is resolved under
 * the container's root with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (inroot.c): no /proc/self/fd/N, no
 * "..", no symlink leaves it. Then getcwd(3) must answer, which it does only for a directory reachable
 * from our root (glibc reports an unreachable one as ENOENT). After CREDS, so that permission is the
 * user's, as chdir(2)'s is. */
int step_cwd(struct child *c, const struct step *s, struct err *e)
{
  const char *path = s->u.str;
  cleanup_fd int own_root = -1;
  int root = c->root_fd;
  if (root < 0) { /* no ROOTFS step (a process joining a container's mount namespace): "/" is its root */
    root = own_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
      return err_sys(e, "chdir \"%s\": open \"/\"", path);
  }
  cleanup_fd int dir = -1;
  /* A plain errno (a missing directory) reads as chdir(2)'s would; anything else keeps inroot's words. */
  if (inroot_open(root, path, IR_NONE, 0, &dir, e) < 0)
    return e->errnum ? err_num(e, e->errnum, "chdir \"%s\"", path) : err_wrap(e, "chdir \"%s\"", path);
  if (fchdir(dir) < 0)
    return err_sys(e, "chdir \"%s\"", path);
  cleanup_free char *cwd = getcwd(NULL, 0);
  if (!cwd || cwd[0] != '/')
    return err_num(e, cwd ? ENOENT : errno, "chdir \"%s\": not inside the container's root", path);
  return 0;
}

/* CVE-2016-9962: until its execve the container process holds host resources: fds of the state directory
 * (FIFO_DIR), the rootfs before pivot_root, the console socket, cgroup files. A process of a container whose
 * pid namespace it joins (a pod, `exec`, a sibling sharing the pid namespace) is the same uid with the same
 * capabilities once CREDS has run, so the kernel lets it open /proc/<pid>/fd/N, /proc/<pid>/cwd or ptrace
 * it, unless the process is not dumpable. So berth-init (parent, and the child by inheritance) is not
 * dumpable; execve(2) of the container's program makes that program dumpable again, as any other.
 *
 * One exception, as runc's nsexec makes one: a child that creates a new user namespace must be dumpable,
 * or its /proc/self files belong to the host's root and its root inside cannot write them (oom_score_adj).
 * The child calls this again once it is that root (child.c), because the credential change made it
 * non-dumpable (fs.suid_dumpable). No other container can reach it there: ptrace access to a task in
 * another user namespace needs CAP_SYS_PTRACE over that namespace (cap_ptrace_access_check), which only
 * its creator, host root, has. */
int set_dumpable(const struct plan *p, struct err *e)
{
  int joins_userns = 0;
  for (size_t i = 0; i < p->nsteps; i++)
    if (p->steps[i].op == OP_JOIN_NS && p->steps[i].u.join.nstype == CLONE_NEWUSER)
      joins_userns = 1;
  int dumpable = (p->clone_flags & CLONE_NEWUSER) && !joins_userns;
  if (prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0) < 0)
    return err_sys(e, "set dumpable %d", dumpable);
  return 0;
}

/* CVE-2024-21626 class: an fd that berth-init's caller left without FD_CLOEXEC (runc leaked one of the
 * host's cgroupfs) would be held by the container process from clone to execve, open to a cwd of
 * /proc/self/fd/N or, were it dumpable, to a neighbour's /proc/<pid>/fd/N. So only what berth-init was
 * given stays open: 0-2, the preserved fds (from `first` down) and the sync fd. */
int close_stray_fds(unsigned first, int keep, struct err *e)
{
  unsigned k = (unsigned)keep;
  if ((k > first && close_range(first, k - 1, 0) < 0) || close_range(k + 1, ~0U, 0) < 0) {
    if (errno != ENOSYS)
      return err_sys(e, "close inherited fds from %u", first);
    struct rlimit rl; /* kernels before 5.9 */
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
      return err_sys(e, "getrlimit RLIMIT_NOFILE");
    for (rlim_t fd = first; fd < rl.rlim_cur && fd < (1u << 20); fd++)
      if (fd != k)
        close((int)fd);
  }
  return 0;
}
