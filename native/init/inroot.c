/* Container paths resolved under a root fd so that no symlink in the image can send a step outside the
 * rootfs (CVE-2021-30465, runc's securejoin). Lookups are openat2(RESOLVE_IN_ROOT): the kernel scopes
 * "..", absolute and relative symlinks to the root. Creation walks the path one prefix at a time, creating
 * each missing component with mkdirat/openat relative to the (scoped) fd of its parent; a dangling symlink
 * found on the way is read and spliced into the path, so its target too is created inside the root. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SYMLINKS 40

/* An O_PATH fd for path under root; -1 with errno. */
static int open_in(int root, const char *path)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  for (int i = 0;; i++) {
    int fd = (int)syscall(SYS_openat2, root, *path ? path : "/", &how, sizeof how);
    /* EAGAIN: a rename raced with ".." resolution; the kernel asks us to retry. */
    if (fd >= 0 || errno != EAGAIN || i == 32)
      return fd;
  }
}

/* Whether nothing but slashes follows path[end]. */
static int is_last(const char *path, size_t end)
{
  return path[end + strspn(path + end, "/")] == '\0';
}

/* One walk over buf from the root, creating what is missing. Returns 1 with *out set, 0 when a dangling
 * symlink was spliced into buf (walk again), -1 on error. */
static int walk(int root, char *buf, int create, mode_t mode, int *links, int *out, struct err *e)
{
  cleanup_fd int dir = open_in(root, "/");
  if (dir < 0)
    return err_sys(e, "open \"/\"");
  size_t i = 0;
  for (int guard = 0; guard < 4096; guard++) {
    i += strspn(buf + i, "/");
    if (!buf[i]) {
      *out = take_fd(&dir);
      return 1;
    }
    size_t start = i, end = i + strcspn(buf + i, "/");
    char saved = buf[end];
    buf[end] = '\0';
    int next = open_in(root, buf);
    buf[end] = saved;
    if (next >= 0) {
      close(dir);
      dir = next;
      i = end;
      continue;
    }
    if (errno != ENOENT)
      return err_sys(e, "open \"%.*s\"", (int)end, buf);

    /* buf[start..end) is missing from dir (the resolved prefix before it): create it and look again. */
    char name[NAME_MAX + 1];
    if (end - start > NAME_MAX)
      return err_num(e, ENAMETOOLONG, "mkdir \"%.*s\"", (int)end, buf);
    memcpy(name, buf + start, end - start);
    name[end - start] = '\0';
    int r;
    if (create == IR_FILE && is_last(buf, end)) {
      r = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        r = close(r);
      if (r < 0 && errno != EEXIST)
        return err_sys(e, "create \"%.*s\"", (int)end, buf);
    } else {
      r = mkdirat(dir, name, is_last(buf, end) ? mode : 0755);
      if (r < 0 && errno != EEXIST)
        return err_sys(e, "mkdir \"%.*s\"", (int)end, buf);
    }
    if (r == 0)
      continue; /* the same prefix opens now */

    /* EEXIST where the lookup said ENOENT: a dangling symlink. Follow it ourselves, inside the root. */
    char target[PATH_MAX];
    ssize_t tlen = readlinkat(dir, name, target, sizeof target - 1);
    if (tlen < 0) {
      if (errno == EINVAL)
        continue; /* not a symlink: made by someone else meanwhile; look again */
      return err_sys(e, "readlink \"%.*s\"", (int)end, buf);
    }
    target[tlen] = '\0';
    if (++*links > MAX_SYMLINKS)
      return err_num(e, ELOOP, "open \"%s\"", buf);
    /* A relative target is relative to the link's directory, buf[0..start). */
    char spliced[PATH_MAX];
    int n = snprintf(spliced, sizeof spliced, "%.*s%s%s", target[0] == '/' ? 0 : (int)start, buf, target,
                     buf + end);
    if (n < 0 || (size_t)n >= sizeof spliced)
      return err_num(e, ENAMETOOLONG, "open \"%s\"", buf);
    memcpy(buf, spliced, (size_t)n + 1);
    return 0;
  }
  return err_num(e, ELOOP, "open \"%s\"", buf);
}

int inroot_open(int root, const char *path, int create, mode_t mode, int *out, struct err *e)
{
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf)
    return err_num(e, ENAMETOOLONG, "open \"%s\"", path);
  strcpy(buf, path);

  int fd = open_in(root, buf);
  if (fd >= 0) {
    *out = fd;
    return 0;
  }
  if (errno != ENOENT || create == IR_NONE)
    return err_sys(e, "open \"%s\"", buf);
  int links = 0, r;
  while ((r = walk(root, buf, create, mode, &links, out, e)) == 0)
    ;
  return r < 0 ? -1 : 0;
}

int inroot_parent(int root, const char *path, int *dirfd, char *name, size_t name_size, struct err *e)
{
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/')
    len--;
  size_t slash = len;
  while (slash > 0 && path[slash - 1] != '/')
    slash--;
  size_t nlen = len - slash;
  if (nlen == 0 || nlen >= name_size || (nlen == 1 && path[slash] == '.') ||
      (nlen == 2 && path[slash] == '.' && path[slash + 1] == '.'))
    return err_num(e, EINVAL, "\"%s\" does not name a file", path);
  memcpy(name, path + slash, nlen);
  name[nlen] = '\0';

  char parent[PATH_MAX];
  if (slash >= sizeof parent)
    return err_num(e, ENAMETOOLONG, "open \"%s\"", path);
  memcpy(parent, path, slash);
  parent[slash] = '\0';
  return inroot_open(root, parent, IR_DIR, 0755, dirfd, e);
}
