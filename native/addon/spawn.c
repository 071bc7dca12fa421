/* Starting and reaping a helper program without Node's child_process, which costs a runtime command
 * about 8 ms to load (net, streams, dgram) and a fork of the whole Node process to use. posix_spawn(3)
 * uses CLONE_VM|CLONE_VFORK, resets every signal to its default (Node ignores SIGPIPE; the child must
 * not inherit that) and empties the signal mask, as libuv's spawn does.
 *
 *   pipe() -> [readFd, writeFd]                      both close-on-exec
 *   spawn(file, argv, fds, setsid[, env]) -> pid     child fd i is this process's fds[i]; env ("K=V"
 *                                                    strings) or else this process's environ
 *   waitpid(pid, nohang) -> status | null            exit code, or 128 + signal; null while it runs */
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define MAX_FDS 1024
#define MAX_ARGS 256
#define MAX_ENV 4096

napi_value js_pipe(napi_env env, napi_callback_info info)
{
  (void)info;
  int fds[2];
  napi_value out, v;
  if (pipe2(fds, O_CLOEXEC) < 0)
    return throw_errno(env, errno, "pipe2", NULL);
  NAPI_OK(env, napi_create_array_with_length(env, 2, &out));
  for (uint32_t i = 0; i < 2; i++) {
    NAPI_OK(env, napi_create_int32(env, fds[i], &v));
    NAPI_OK(env, napi_set_element(env, out, i, v));
  }
  return out;
}

/* Checks that v is an array of at most `max` elements; its length goes to *len. */
static int arg_array(napi_env env, napi_value v, const char *what, uint32_t max, uint32_t *len)
{
  bool is = false;
  if (napi_is_array(env, v, &is) != napi_ok || !is || napi_get_array_length(env, v, len) != napi_ok)
    return throw_arg(env, what, "an array");
  if (*len > max)
    return throw_arg(env, what, "a shorter array");
  return 0;
}

struct spawn_args {
  char *file;
  char *argv[MAX_ARGS + 1];
  int fds[MAX_FDS];
  uint32_t nargs, nfds;
  char **envp; /* NULL: environ */
  uint32_t nenv;
};

static void spawn_args_free(struct spawn_args *a)
{
  free(a->file);
  for (uint32_t i = 0; i < a->nargs; i++)
    free(a->argv[i]);
  if (a->envp) {
    for (uint32_t i = 0; i < a->nenv; i++)
      free(a->envp[i]);
    free(a->envp);
  }
}

/* The optional env argument: undefined keeps environ, else an array of "K=V" strings. */
static int read_env(napi_env env, napi_value v, struct spawn_args *a)
{
  napi_valuetype t;
  napi_value el;
  uint32_t n;
  if (napi_typeof(env, v, &t) != napi_ok)
    return throw_arg(env, "env", "an array");
  if (t == napi_undefined)
    return 0;
  if (arg_array(env, v, "env", MAX_ENV, &n) < 0)
    return -1;
  a->envp = calloc(n + 1, sizeof(char *));
  if (!a->envp) {
    throw_errno(env, ENOMEM, "spawn", "env");
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (napi_get_element(env, v, i, &el) != napi_ok || arg_string(env, el, "env[]", 0, &a->envp[i]) < 0)
      return -1;
    a->nenv = i + 1;
  }
  return 0;
}

static int read_spawn_args(napi_env env, napi_value *argv, struct spawn_args *a)
{
  napi_value el;
  if (arg_string(env, argv[0], "file", 0, &a->file) < 0 || arg_array(env, argv[1], "argv", MAX_ARGS, &a->nargs) < 0)
    return -1;
  uint32_t n = a->nargs;
  a->nargs = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (napi_get_element(env, argv[1], i, &el) != napi_ok || arg_string(env, el, "argv[]", 0, &a->argv[i]) < 0)
      return -1;
    a->nargs = i + 1;
  }
  a->argv[a->nargs] = NULL;
  if (arg_array(env, argv[2], "fds", MAX_FDS, &a->nfds) < 0)
    return -1;
  for (uint32_t i = 0; i < a->nfds; i++) {
    int32_t fd;
    if (napi_get_element(env, argv[2], i, &el) != napi_ok || arg_int32(env, el, "fds[]", &fd) < 0)
      return -1;
    if (fd < 0)
      return throw_arg(env, "fds[]", "an open fd");
    a->fds[i] = fd;
  }
  return 0;
}

/* Sets up child fd i = fds[i]. Every source is first copied above the highest target so that no dup2
 * overwrites a source still to be used, and so that none is a no-op dup2 that would keep FD_CLOEXEC. */
static int plan_fds(const struct spawn_args *a, posix_spawn_file_actions_t *fa, int *copies)
{
  for (uint32_t i = 0; i < a->nfds; i++) {
    copies[i] = fcntl(a->fds[i], F_DUPFD_CLOEXEC, (int)a->nfds);
    if (copies[i] < 0)
      return -1;
  }
  for (uint32_t i = 0; i < a->nfds; i++)
    if ((errno = posix_spawn_file_actions_adddup2(fa, copies[i], (int)i)) != 0)
      return -1;
  return 0;
}

napi_value js_spawn(napi_env env, napi_callback_info info)
{
  napi_value argv[5];
  struct spawn_args a = {0};
  int copies[MAX_FDS];
  uint32_t ncopies;
  bool setsid = false;
  napi_value result = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  pid_t pid;

  if (get_args(env, info, 5, argv) < 0 || read_spawn_args(env, argv, &a) < 0 || read_env(env, argv[4], &a) < 0) {
    spawn_args_free(&a);
    return NULL;
  }
  if (napi_get_value_bool(env, argv[3], &setsid) != napi_ok) {
    spawn_args_free(&a);
    throw_arg(env, "setsid", "a boolean");
    return NULL;
  }
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (setsid ? POSIX_SPAWN_SETSID : 0));

  for (uint32_t i = 0; i < a.nfds; i++)
    copies[i] = -1;
  int err = 0;
  if (plan_fds(&a, &fa, copies) < 0)
    err = errno;
  for (ncopies = 0; ncopies < a.nfds && copies[ncopies] >= 0; ncopies++)
    ;
  if (!err)
    err = posix_spawn(&pid, a.file, &fa, &attr, a.argv, a.envp ? a.envp : environ);
  for (uint32_t i = 0; i < ncopies; i++)
    close(copies[i]);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err)
    throw_errno(env, err, "spawn", a.file);
  else
    result = make_int(env, pid);
  spawn_args_free(&a);
  return result;
}

napi_value js_waitpid(napi_env env, napi_callback_info info)
{
  napi_value argv[2], out;
  int32_t pid;
  bool nohang = false;
  char subject[16];
  if (get_args(env, info, 2, argv) < 0 || arg_int32(env, argv[0], "pid", &pid) < 0)
    return NULL;
  if (napi_get_value_bool(env, argv[1], &nohang) != napi_ok) {
    throw_arg(env, "nohang", "a boolean");
    return NULL;
  }
  int status;
  pid_t r;
  do
    r = waitpid(pid, &status, nohang ? WNOHANG : 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    snprintf(subject, sizeof subject, "%d", pid);
    return throw_errno(env, errno, "waitpid", subject);
  }
  if (r == 0) {
    NAPI_OK(env, napi_get_null(env, &out));
    return out;
  }
  return make_int(env, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}
