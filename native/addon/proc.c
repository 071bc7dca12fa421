/* Processes without pid-reuse races: pidfd_open(2) and pidfd_send_signal(2) hold on to one process, and
 * the start time (field 22 of /proc/<pid>/stat, proc(5)) tells a recorded pid from a recycled one. */
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

/* pidfdOpen(pid: number) -> fd (close-on-exec, as pidfd_open always makes it) */
napi_value js_pidfd_open(napi_env env, napi_callback_info info)
{
  napi_value argv[1];
  int32_t pid;
  char subject[16];
  if (get_args(env, info, 1, argv) < 0 || arg_int32(env, argv[0], "pid", &pid) < 0)
    return NULL;
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) {
    snprintf(subject, sizeof subject, "%" PRId32, pid);
    return throw_errno(env, errno, "pidfd_open", subject);
  }
  return make_int(env, fd);
}

/* pidfdSendSignal(pidfd: number, signal: number): kill(2) that cannot hit a recycled pid. */
napi_value js_pidfd_send_signal(napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  int32_t pidfd, sig;
  char subject[16];
  if (get_args(env, info, 2, argv) < 0 || arg_int32(env, argv[0], "pidfd", &pidfd) < 0 ||
      arg_int32(env, argv[1], "signal", &sig) < 0)
    return NULL;
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
    snprintf(subject, sizeof subject, "%" PRId32, pidfd);
    return throw_errno(env, errno, "pidfd_send_signal", subject);
  }
  return NULL;
}

/* processStartTime(pid: number) -> bigint (clock ticks after boot), or null when there is no such process */
napi_value js_process_start_time(napi_env env, napi_callback_info info)
{
  napi_value argv[1], out;
  int32_t pid;
  char path[64], buf[1024];
  if (get_args(env, info, 1, argv) < 0 || arg_int32(env, argv[0], "pid", &pid) < 0)
    return NULL;
  if (pid <= 0) {
    throw_arg(env, "pid", "a positive integer");
    return NULL;
  }
  snprintf(path, sizeof path, "/proc/%" PRId32 "/stat", pid);
  cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ESRCH)) {
    NAPI_OK(env, napi_get_null(env, &out));
    return out;
  }
  if (fd < 0)
    return throw_errno(env, errno, "open", path);
  ssize_t n;
  do
    n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == ESRCH) { /* it exited between open and read */
    NAPI_OK(env, napi_get_null(env, &out));
    return out;
  }
  if (n < 0)
    return throw_errno(env, errno, "read", path);
  buf[n] = '\0';
  /* "pid (comm) S ppid ...": comm may hold spaces and ')' — the fields start after the LAST ')'.
   * Field 3 (state) follows it; field 22 (starttime) is 19 fields further on. */
  char *p = strrchr(buf, ')');
  for (int field = 2; p && field < 22; field++)
    p = strchr(p + 1, ' ');
  char *end = NULL;
  errno = 0;
  unsigned long long start = p ? strtoull(p + 1, &end, 10) : 0;
  if (!p || end == p + 1 || errno != 0)
    return throw_errno(env, EPROTO, "parse", path);
  return make_bigint(env, start);
}
