/* Network namespaces that outlive every process in them: unshare(CLONE_NEWNET) on the calling thread,
 * bind-mount /proc/thread-self/ns/net on a file, then setns(2) back, as ip-netns(8) "add" does. Node is
 * multi-threaded from its first instruction, but unshare(2) with CLONE_NEWNET moves only the calling
 * thread, and all of it happens inside one synchronous call: no JavaScript runs in the new namespace.
 * Removal is umount2(MNT_DETACH) + unlink, which the TypeScript does with the functions of fs.c.
 *
 *   netnsCreate(path: string)    path must not exist; it is created empty, mode 0444, then mounted over */
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>

#define THREAD_NETNS "/proc/thread-self/ns/net"

napi_value js_netns_create(napi_env env, napi_callback_info info)
{
  napi_value argv[1];
  cleanup_free char *path = NULL;
  if (get_args(env, info, 1, argv) < 0 || arg_string(env, argv[0], "path", 0, &path) < 0)
    return NULL;
  cleanup_fd int original = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
  if (original < 0)
    return throw_errno(env, errno, "open", THREAD_NETNS);
  /* O_EXCL: a path that exists may be another attachment's namespace; never mount over it. */
  cleanup_fd int file = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (file < 0)
    return throw_errno(env, errno, "open", path);
  if (unshare(CLONE_NEWNET) < 0) {
    int saved = errno;
    unlink(path);
    return throw_errno(env, saved, "unshare", path);
  }
  int rc = mount(THREAD_NETNS, path, NULL, MS_BIND, NULL);
  int saved = errno;
  /* This thread runs JavaScript next: it must be back in its own namespace, or every socket Node opens
   * from here on would live in the new one. setns to a namespace we hold an fd of cannot fail short of a
   * kernel bug; if it does, continuing would be silently wrong. */
  if (setns(original, CLONE_NEWNET) < 0)
    abort();
  if (rc < 0) {
    unlink(path);
    return throw_errno(env, saved, "mount", path);
  }
  return NULL;
}
