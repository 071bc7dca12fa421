/* berth.node: the syscalls Node lacks, for the TypeScript that decides (DESIGN.md, "Why there is C").
 * Every function is synchronous and throws an errno error shaped like Node's fs errors (addon.h), but
 * mountAsync and umount2Async, which reject their promise with one.
 * Context-aware (NAPI_MODULE_INIT), so worker threads may load it too. Its typed face is
 * src/base/native.ts; keep the two in step. */
#include "addon.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/xattr.h>

static const struct {
  const char *name;
  napi_callback fn;
} functions[] = {
  { "mount", js_mount },
  { "umount2", js_umount2 },
  { "mountAsync", js_mount_async },
  { "umount2Async", js_umount2_async },
  { "mkfifo", js_mkfifo },
  { "mknod", js_mknod },
  { "statfs", js_statfs },
  { "openat2", js_openat2 },
  { "renameat2", js_renameat2 },
  { "lsetxattr", js_lsetxattr },
  { "lgetxattr", js_lgetxattr },
  { "llistxattr", js_llistxattr },
  { "pidfdOpen", js_pidfd_open },
  { "pidfdSendSignal", js_pidfd_send_signal },
  { "processStartTime", js_process_start_time },
  { "sendFd", js_send_fd },
  { "recvFd", js_recv_fd },
  { "pipe", js_pipe },
  { "spawn", js_spawn },
  { "waitpid", js_waitpid },
  { "bpfProgLoad", js_bpf_prog_load },
  { "bpfProgAttach", js_bpf_prog_attach },
  { "bpfProgDetach", js_bpf_prog_detach },
  { "bpfProgQuery", js_bpf_prog_query },
  { "bpfProgGetFdById", js_bpf_prog_get_fd_by_id },
  { "eventfd", js_eventfd },
  { "netnsCreate", js_netns_create },
};

#define C(x) { #x, (int64_t)(x) }
static const struct {
  const char *name;
  int64_t value;
} constants[] = {
  /* mount(2) flags */
  C(MS_RDONLY), C(MS_NOSUID), C(MS_NODEV), C(MS_NOEXEC), C(MS_SYNCHRONOUS), C(MS_REMOUNT), C(MS_MANDLOCK),
  C(MS_DIRSYNC), C(MS_NOSYMFOLLOW), C(MS_NOATIME), C(MS_NODIRATIME), C(MS_BIND), C(MS_MOVE), C(MS_REC),
  C(MS_SILENT), C(MS_UNBINDABLE), C(MS_PRIVATE), C(MS_SLAVE), C(MS_SHARED), C(MS_RELATIME),
  C(MS_STRICTATIME), C(MS_LAZYTIME),
  /* umount2(2) flags */
  C(MNT_FORCE), C(MNT_DETACH), C(MNT_EXPIRE), C(UMOUNT_NOFOLLOW),
  /* renameat2(2) flags */
  C(RENAME_NOREPLACE), C(RENAME_EXCHANGE), C(RENAME_WHITEOUT),
  /* openat2(2): resolve flags, and the open flags Node's fs.constants leaves out */
  C(RESOLVE_NO_XDEV), C(RESOLVE_NO_MAGICLINKS), C(RESOLVE_NO_SYMLINKS), C(RESOLVE_BENEATH),
  C(RESOLVE_IN_ROOT), C(RESOLVE_CACHED), C(AT_FDCWD), C(O_PATH), C(O_CLOEXEC),
  /* lsetxattr(2) flags */
  C(XATTR_CREATE), C(XATTR_REPLACE),
  /* bpf(2): the cgroup device program type, its attach type and attach flags */
  C(BPF_PROG_TYPE_CGROUP_DEVICE), C(BPF_CGROUP_DEVICE), C(BPF_F_ALLOW_MULTI), C(BPF_F_REPLACE),
  /* eventfd(2) flags */
  C(EFD_NONBLOCK),
};
#undef C

NAPI_MODULE_INIT()
{
  napi_value v;
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    NAPI_OK(env, napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &v));
    NAPI_OK(env, napi_set_named_property(env, exports, functions[i].name, v));
  }
  for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
    NAPI_OK(env, napi_create_int64(env, constants[i].value, &v));
    NAPI_OK(env, napi_set_named_property(env, exports, constants[i].name, v));
  }
  return exports;
}
