/* Filesystem syscalls Node lacks: mount/umount2 (mount(2), umount(2)), mkfifo/mknod (mknod(2)),
 * statfs(2), openat2(2) (RESOLVE_IN_ROOT / RESOLVE_NO_SYMLINKS for paths inside a rootfs) and
 * renameat2(2) (RENAME_NOREPLACE / RENAME_EXCHANGE). */
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

/* mount(source: string|null, target: string, fstype: string|null, flags: bigint|number, data: string|null) */
napi_value js_mount(napi_env env, napi_callback_info info)
{
  napi_value argv[5];
  cleanup_free char *source = NULL, *target = NULL, *fstype = NULL, *data = NULL;
  uint64_t flags;
  if (get_args(env, info, 5, argv) < 0 || arg_string(env, argv[0], "source", 1, &source) < 0 ||
      arg_string(env, argv[1], "target", 0, &target) < 0 || arg_string(env, argv[2], "fstype", 1, &fstype) < 0 ||
      arg_uint64(env, argv[3], "flags", &flags) < 0 || arg_string(env, argv[4], "data", 1, &data) < 0)
    return NULL;
  if (mount(source, target, fstype, (unsigned long)flags, data) < 0)
    return throw_errno(env, errno, "mount", target);
  return NULL;
}

/* umount2(target: string, flags: number) */
napi_value js_umount2(napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  cleanup_free char *target = NULL;
  int32_t flags;
  if (get_args(env, info, 2, argv) < 0 || arg_string(env, argv[0], "target", 0, &target) < 0 ||
      arg_int32(env, argv[1], "flags", &flags) < 0)
    return NULL;
  if (umount2(target, flags) < 0)
    return throw_errno(env, errno, "umount2", target);
  return NULL;
}

/* mkfifo(path: string, mode: number); the umask applies, as with mkfifo(3). */
napi_value js_mkfifo(napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  cleanup_free char *path = NULL;
  int32_t mode;
  if (get_args(env, info, 2, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0 ||
      arg_int32(env, argv[1], "mode", &mode) < 0)
    return NULL;
  if (mkfifo(path, (mode_t)mode) < 0)
    return throw_errno(env, errno, "mkfifo", path);
  return NULL;
}

/* mknod(path: string, mode: number (file type | permissions), dev: bigint|number (makedev encoding)) */
napi_value js_mknod(napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  cleanup_free char *path = NULL;
  int32_t mode;
  uint64_t dev;
  if (get_args(env, info, 3, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0 ||
      arg_int32(env, argv[1], "mode", &mode) < 0 || arg_uint64(env, argv[2], "dev", &dev) < 0)
    return NULL;
  if (mknod(path, (mode_t)mode, (dev_t)dev) < 0)
    return throw_errno(env, errno, "mknod", path);
  return NULL;
}

static int set_number(napi_env env, napi_value obj, const char *key, napi_value v)
{
  return v && napi_set_named_property(env, obj, key, v) == napi_ok ? 0 : -1;
}

/* statfs(path: string) -> { type: bigint, bsize, blocks, bfree, bavail, files, ffree, flags: number } */
napi_value js_statfs(napi_env env, napi_callback_info info)
{
  napi_value argv[1], out;
  cleanup_free char *path = NULL;
  struct statfs st;
  if (get_args(env, info, 1, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0)
    return NULL;
  if (statfs(path, &st) < 0)
    return throw_errno(env, errno, "statfs", path);
  NAPI_OK(env, napi_create_object(env, &out));
  /* f_type is a magic number (TMPFS_MAGIC, OVERLAYFS_SUPER_MAGIC): a bigint, so it compares exactly.
   * Counts stay below 2^53 on any real filesystem and are numbers. */
  if (set_number(env, out, "type", make_bigint(env, (uint64_t)(unsigned long)st.f_type)) < 0 ||
      set_number(env, out, "bsize", make_int(env, st.f_bsize)) < 0 ||
      set_number(env, out, "blocks", make_int(env, (int64_t)st.f_blocks)) < 0 ||
      set_number(env, out, "bfree", make_int(env, (int64_t)st.f_bfree)) < 0 ||
      set_number(env, out, "bavail", make_int(env, (int64_t)st.f_bavail)) < 0 ||
      set_number(env, out, "files", make_int(env, (int64_t)st.f_files)) < 0 ||
      set_number(env, out, "ffree", make_int(env, (int64_t)st.f_ffree)) < 0 ||
      set_number(env, out, "flags", make_int(env, st.f_flags)) < 0)
    return napi_fail(env, "statfs result");
  return out;
}

/* openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number) -> fd.
 * O_CLOEXEC is always added: libuv spawns children with every fd that lacks it. mode is dropped unless
 * O_CREAT or O_TMPFILE is set, where openat2 would refuse it with EINVAL. */
napi_value js_openat2(napi_env env, napi_callback_info info)
{
  napi_value argv[5];
  cleanup_free char *path = NULL;
  int32_t dirfd;
  uint64_t flags, mode, resolve;
  if (get_args(env, info, 5, argv) < 0 || arg_int32(env, argv[0], "dirfd", &dirfd) < 0 ||
      arg_string(env, argv[1], "path", 0, &path) < 0 || arg_uint64(env, argv[2], "flags", &flags) < 0 ||
      arg_uint64(env, argv[3], "mode", &mode) < 0 || arg_uint64(env, argv[4], "resolve", &resolve) < 0)
    return NULL;
  struct open_how how = {
    .flags = flags | O_CLOEXEC,
    .mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
    .resolve = resolve,
  };
  long fd;
  /* EAGAIN means a concurrent rename or mount raced the lookup (openat2(2)); retry a few times, but
   * not for RESOLVE_CACHED, where EAGAIN means "not in the cache" and retrying cannot help. */
  int tries = (resolve & RESOLVE_CACHED) ? 1 : 16;
  do
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && (errno == EINTR || (errno == EAGAIN && --tries > 0)));
  if (fd < 0)
    return throw_errno(env, errno, "openat2", path);
  return make_int(env, fd);
}

/* renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number) */
napi_value js_renameat2(napi_env env, napi_callback_info info)
{
  napi_value argv[5];
  cleanup_free char *oldpath = NULL, *newpath = NULL;
  int32_t olddirfd, newdirfd, flags;
  if (get_args(env, info, 5, argv) < 0 || arg_int32(env, argv[0], "olddirfd", &olddirfd) < 0 ||
      arg_string(env, argv[1], "oldpath", 0, &oldpath) < 0 || arg_int32(env, argv[2], "newdirfd", &newdirfd) < 0 ||
      arg_string(env, argv[3], "newpath", 0, &newpath) < 0 || arg_int32(env, argv[4], "flags", &flags) < 0)
    return NULL;
  if (renameat2(olddirfd, oldpath, newdirfd, newpath, (unsigned int)flags) < 0)
    return throw_errno2(env, errno, "renameat2", oldpath, newpath);
  return NULL;
}
