/* Filesystem steps: ROOTFS, MOUNT, MKDIR, SYMLINK, MKNOD, PIVOT, PROPAGATE, MASK, READONLY, REMOUNT.
 * Before PIVOT a container path is resolved under the rootfs fd (inroot.c) and mounted on through
 * /proc/self/fd/N; after PIVOT the root is the rootfs and paths are used as they are. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define MS_ATIME (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* Where a step acts: "/proc/self/fd/N" for a resolved fd before PIVOT, the path itself after. */
struct target {
  int fd;
  const char *path;
  char buf[32];
};

static void target_close(struct target *t)
{
  if (t->fd >= 0)
    close(t->fd);
  t->fd = -1;
}
#define cleanup_target __attribute__((cleanup(target_close)))

static int target_open(struct child *c, const char *path, int create, mode_t mode, struct target *t,
                       struct err *e)
{
  target_close(t);
  t->path = path;
  if (c->pivoted && create == IR_NONE)
    return 0;
  if (inroot_open(c->root_fd, path, create, mode, &t->fd, e))
    return -1;
  if (c->pivoted) {
    target_close(t);
    return 0;
  }
  snprintf(t->buf, sizeof t->buf, "/proc/self/fd/%d", t->fd);
  t->path = t->buf;
  return 0;
}

/* "rslave", "private"...: for messages. */
static const char *propagation_name(unsigned long flags)
{
  int rec = (flags & MS_REC) != 0;
  switch (flags & MS_PROPAGATION) {
  case MS_SHARED:
    return rec ? "rshared" : "shared";
  case MS_SLAVE:
    return rec ? "rslave" : "slave";
  case MS_PRIVATE:
    return rec ? "rprivate" : "private";
  case MS_UNBINDABLE:
    return rec ? "runbindable" : "unbindable";
  }
  return "propagation";
}

static int propagate(const char *target, const char *shown, unsigned long flags, struct err *e)
{
  if (mount(NULL, target, NULL, flags, NULL) < 0)
    return err_sys(e, "make \"%s\" %s", shown, propagation_name(flags));
  return 0;
}

/* MS_REMOUNT|MS_BIND keeps what the kernel locks (nosuid, nodev, noexec; read-only and atime in a user
 * namespace, MNT_LOCK_*): keep nosuid/nodev/noexec always, as runc's readonlyPath does, and when the kernel
 * still says EPERM retry with the mount's read-only and atime flags too. */
static int remount(const char *target, const char *shown, unsigned long flags, struct err *e)
{
  struct statvfs st;
  if (statvfs(target, &st) < 0)
    return err_sys(e, "statvfs \"%s\"", shown);
  unsigned long have = st.f_flag;
  flags |= MS_REMOUNT | MS_BIND | (have & (ST_NOSUID | ST_NODEV | ST_NOEXEC));
  if (mount(NULL, target, NULL, flags, NULL) == 0)
    return 0;
  if (errno == EPERM) {
    unsigned long locked = have & (ST_RDONLY | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
    if (mount(NULL, target, NULL, (flags & ~MS_ATIME) | locked, NULL) == 0)
      return 0;
  }
  return err_sys(e, "remount \"%s\" with flags 0x%lx", shown, flags);
}

/* runc's rootfsParentMountPrivate: pivot_root and MS_MOVE refuse a shared parent mount. */
static int parent_mount_private(const char *rootfs, struct err *e)
{
  cleanup_free char *real = realpath(rootfs, NULL);
  if (!real)
    return err_sys(e, "realpath \"%s\"", rootfs);
  cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return err_sys(e, "open \"/proc/self/mountinfo\"");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  char best[PATH_MAX] = "";
  int shared = 0;
  while (getline(&line, &cap, f) > 0) {
    /* id parent major:minor root mountpoint options [optional fields...] - fstype ... */
    char mp[PATH_MAX];
    const char *p = line;
    for (int field = 0; field < 4 && p; field++)
      p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
    if (!p)
      continue;
    size_t n = 0;
    for (; *p && *p != ' ' && n < sizeof mp - 1; p++) {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) { /* \040 and friends */
        mp[n++] = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
        p += 3;
      } else {
        mp[n++] = *p;
      }
    }
    mp[n] = '\0';
    int under = strcmp(mp, "/") == 0 || (strncmp(real, mp, n) == 0 && (real[n] == '/' || real[n] == '\0'));
    if (under && strlen(mp) >= strlen(best)) {
      strcpy(best, mp);
      const char *dash = strstr(p, " - ");
      const char *opt = strstr(p, " shared:");
      shared = opt && (!dash || opt < dash);
    }
  }
  if (shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
    return err_sys(e, "make \"%s\" (the rootfs's parent mount) private", best);
  return 0;
}

int step_rootfs(struct child *c, const struct step *s, struct err *e)
{
  const char *path = s->u.rootfs.host_path;
  if (s->u.rootfs.propagation && propagate("/", "/", s->u.rootfs.propagation, e))
    return -1;
  if (parent_mount_private(path, e))
    return -1;
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return err_sys(e, "bind rootfs \"%s\" onto itself", path);
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(e, "open rootfs \"%s\"", path);
  if (c->root_fd >= 0)
    close(c->root_fd);
  c->root_fd = fd;
  return 0;
}

/* "mount \"proc\" on \"/proc\" (proc)": from errno (sys) or around the error already in e. */
static int mount_error(const struct step *s, int sys, struct err *e)
{
  int saved = errno;
  char what[ERR_MSG_MAX];
  const char *type = s->u.mount.fstype[0] ? s->u.mount.fstype : (s->u.mount.kind & KIND_BIND) ? "bind" : NULL;
  snprintf(what, sizeof what, "mount \"%s\" on \"%s\"%s%s%s", s->u.mount.source, s->u.mount.dest,
           type ? " (" : "", type ? type : "", type ? ")" : "");
  return sys ? err_num(e, saved, "%s", what) : err_wrap(e, "%s", what);
}

int step_mount(struct child *c, const struct step *s, struct err *e)
{
  uint32_t kind = s->u.mount.kind;
  int bind = (kind & KIND_BIND) != 0;
  cleanup_target struct target dst = {.fd = -1}, src = {.fd = -1};
  if (target_open(c, s->u.mount.dest, kind & KIND_FILE ? IR_FILE : IR_DIR, 0755, &dst, e))
    return mount_error(s, 0, e);
  const char *source = s->u.mount.source;
  if (bind && (kind & KIND_SOURCE_IN_ROOT)) {
    if (target_open(c, source, IR_NONE, 0, &src, e))
      return mount_error(s, 0, e);
    source = src.path;
  }
  unsigned long flags = bind ? MS_BIND | (s->u.mount.flags & MS_REC) : s->u.mount.flags;
  const char *fstype = bind || !s->u.mount.fstype[0] ? NULL : s->u.mount.fstype;
  const char *data = bind || !s->u.mount.data[0] ? NULL : s->u.mount.data;
  if (mount(source, dst.path, fstype, flags, data) < 0)
    return mount_error(s, 1, e);
  if (!(kind & KIND_REMOUNT) && !s->u.mount.propagation)
    return 0;

  /* The fd was opened before the mount and still names what is under it: look the path up again. */
  if (target_open(c, s->u.mount.dest, IR_NONE, 0, &dst, e))
    return mount_error(s, 0, e);
  if ((kind & KIND_REMOUNT) && remount(dst.path, s->u.mount.dest, s->u.mount.flags, e))
    return -1;
  if (s->u.mount.propagation && propagate(dst.path, s->u.mount.dest, s->u.mount.propagation, e))
    return -1;
  return 0;
}

int step_mkdir(struct child *c, const struct step *s, struct err *e)
{
  int fd;
  if (inroot_open(c->root_fd, s->u.mkdir.path, IR_DIR, s->u.mkdir.mode & 07777, &fd, e))
    return err_wrap(e, "mkdir \"%s\"", s->u.mkdir.path);
  close(fd);
  return 0;
}

int step_symlink(struct child *c, const struct step *s, struct err *e)
{
  char name[NAME_MAX + 1];
  cleanup_fd int dir = -1;
  if (inroot_parent(c->root_fd, s->u.symlink.path, &dir, name, sizeof name, e))
    return err_wrap(e, "symlink \"%s\" -> \"%s\"", s->u.symlink.path, s->u.symlink.target);
  if (symlinkat(s->u.symlink.target, dir, name) < 0 && errno != EEXIST)
    return err_sys(e, "symlink \"%s\" -> \"%s\"", s->u.symlink.path, s->u.symlink.target);
  return 0;
}

int step_mknod(struct child *c, const struct step *s, struct err *e)
{
  char name[NAME_MAX + 1];
  cleanup_fd int dir = -1;
  const char *path = s->u.mknod.path;
  if (inroot_parent(c->root_fd, path, &dir, name, sizeof name, e))
    return err_wrap(e, "mknod \"%s\"", path);
  /* The mode is exact (0666 for /dev/null): no umask, as runc's createDevices. */
  mode_t old = umask(0);
  int r = mknodat(dir, name, s->u.mknod.mode, s->u.mknod.dev);
  int saved = errno;
  umask(old);
  if (r < 0) {
    if (saved == EEXIST)
      return 0;
    return err_num(e, saved, "mknod \"%s\" mode 0%o", path, s->u.mknod.mode);
  }
  if (fchownat(dir, name, s->u.mknod.uid, s->u.mknod.gid, AT_SYMLINK_NOFOLLOW) < 0)
    return err_sys(e, "chown \"%s\" to %u:%u", path, s->u.mknod.uid, s->u.mknod.gid);
  return 0;
}

int step_pivot(struct child *c, const struct step *s, struct err *e)
{
  if (fchdir(c->root_fd) < 0)
    return err_sys(e, "chdir to the rootfs");
  if (s->u.no_pivot) {
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
      return err_sys(e, "move the rootfs onto \"/\"");
    if (chroot(".") < 0)
      return err_sys(e, "chroot to the rootfs");
  } else {
    /* pivot_root(2): with new_root == put_old the old root lands on top of the new one; detach it from
     * there. Our cwd still names the new root's own mount (a path's "." does not cross a mount stacked
     * on it), so step onto the old root by an fd taken before: making "." rslave must reach only the old
     * root's tree, or it would turn the container's own shared mounts into slaves (runc does the same). */
    cleanup_fd int old_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (old_root < 0)
      return err_sys(e, "open the old root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      return err_sys(e, "pivot_root");
    if (fchdir(old_root) < 0)
      return err_sys(e, "chdir to the old root");
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      return err_sys(e, "make the old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
      return err_sys(e, "unmount the old root");
  }
  if (chdir("/") < 0)
    return err_sys(e, "chdir \"/\"");
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(e, "open \"/\"");
  close(c->root_fd);
  c->root_fd = fd;
  c->pivoted = 1;
  return 0;
}

int step_propagate(struct child *c, const struct step *s, struct err *e)
{
  cleanup_target struct target t = {.fd = -1};
  if (target_open(c, s->u.pathflags.path, IR_NONE, 0, &t, e))
    return -1;
  return propagate(t.path, s->u.pathflags.path, s->u.pathflags.flags, e);
}

int step_remount(struct child *c, const struct step *s, struct err *e)
{
  cleanup_target struct target t = {.fd = -1};
  if (target_open(c, s->u.pathflags.path, IR_NONE, 0, &t, e))
    return -1;
  return remount(t.path, s->u.pathflags.path, s->u.pathflags.flags, e);
}

int step_mask(struct child *c, const struct step *s, struct err *e)
{
  const char *path = s->u.str;
  cleanup_target struct target t = {.fd = -1};
  struct stat st;
  if (target_open(c, path, IR_NONE, 0, &t, e))
    return e->errnum == ENOENT ? 0 : err_wrap(e, "mask \"%s\"", path);
  if (stat(t.path, &st) < 0)
    return errno == ENOENT ? 0 : err_sys(e, "mask \"%s\": stat", path);
  /* A directory gets an empty read-only tmpfs, anything else /dev/null (runc's maskPath). */
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", t.path, "tmpfs", MS_RDONLY, NULL)
                              : mount("/dev/null", t.path, NULL, MS_BIND, NULL);
  if (r < 0 && errno != ENOENT)
    return err_sys(e, "mask \"%s\" with %s", path, S_ISDIR(st.st_mode) ? "a read-only tmpfs" : "\"/dev/null\"");
  return 0;
}

int step_readonly(struct child *c, const struct step *s, struct err *e)
{
  const char *path = s->u.str;
  cleanup_target struct target t = {.fd = -1};
  if (target_open(c, path, IR_NONE, 0, &t, e))
    return e->errnum == ENOENT ? 0 : err_wrap(e, "make \"%s\" read-only", path);
  if (mount(t.path, t.path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return errno == ENOENT ? 0 : err_sys(e, "bind \"%s\" onto itself", path);
  if (target_open(c, path, IR_NONE, 0, &t, e)) /* the new mount, not what is under it */
    return err_wrap(e, "make \"%s\" read-only", path);
  return remount(t.path, path, MS_RDONLY | MS_REC, e);
}
