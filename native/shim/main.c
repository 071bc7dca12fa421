/* berth-shim: parses and checks the command line, detaches (double fork, setsid), becomes the child
 * subreaper, creates the container and reports {"pid":N} or {"error":"..."} on the sync fd, then monitors
 * it until it exits (PROTOCOL.md). Exit status: 0 after the container's exit was recorded, 1 when the
 * container could not be created (nothing is left running), 2 for a bad command line. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_MAX_LINE 16384 /* containerd's max_container_log_line_size (specs/cri/log-format.md) */

static const char usage_text[] =
    "usage: berth-shim --id ID --dir DIR --sync-fd N\n"
    "         (--runtime PATH --bundle DIR [--runtime-root DIR] [--runtime-arg ARG]... [--exec-process FILE]\n"
    "          | --init PATH --plan FILE)\n"
    "         [--terminal] [--stdin [--stdin-once]]\n"
    "         [--log-path FILE --log-format cri|json-file [--log-max-size BYTES] [--log-max-files N]"
    " [--log-max-line BYTES]]\n";

static int usage(int sync_fd, const char *fmt, const char *arg)
{
  char msg[512];
  snprintf(msg, sizeof msg, fmt, arg);
  dprintf(2, "berth-shim: %s\n%s", msg, usage_text);
  if (sync_fd >= 0)
    json_line(sync_fd, "error", msg, 0);
  return 2;
}

static int parse_num(const char *s, long long min, long long max, long long *out)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

static int valid_id(const char *id)
{
  if (!*id || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return 0;
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_+.-", *p)))
      return 0;
  return 1;
}

/* Matches `--name value` and `--name=value`; *value is NULL for a flag without one. */
static int match(char **argv, int argc, int *i, const char *name, const char **value)
{
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0)
    return 0;
  if (argv[*i][n] == '=') {
    *value = argv[*i] + n + 1;
    return 1;
  }
  if (argv[*i][n] != '\0')
    return 0;
  *value = *i + 1 < argc ? argv[++*i] : NULL;
  return 1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
  const char *v = NULL;
  long long num;
  o->sync_fd = -1;
  o->log_max_files = 1;
  o->log_max_line = DEFAULT_MAX_LINE;
  /* The sync fd first, so that every later complaint reaches the daemon too. */
  for (int i = 1; i < argc; i++)
    if (match(argv, argc, &i, "--sync-fd", &v) && v && parse_num(v, 3, 1 << 20, &num) == 0)
      o->sync_fd = (int)num;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--terminal") == 0)
      o->terminal = 1;
    else if (strcmp(a, "--stdin") == 0)
      o->stdin_open = 1;
    else if (strcmp(a, "--stdin-once") == 0)
      o->stdin_once = 1;
    else if (match(argv, argc, &i, "--id", &v) && v)
      o->id = v;
    else if (match(argv, argc, &i, "--dir", &v) && v)
      o->dir = v;
    else if (match(argv, argc, &i, "--sync-fd", &v) && v)
      continue;
    else if (match(argv, argc, &i, "--runtime", &v) && v)
      o->runtime = v;
    else if (match(argv, argc, &i, "--runtime-root", &v) && v)
      o->runtime_root = v;
    else if (match(argv, argc, &i, "--runtime-arg", &v) && v) {
      if (o->nruntime_args == MAX_RUNTIME_ARGS)
        return usage(o->sync_fd, "--runtime-arg: at most %s", "16");
      o->runtime_args[o->nruntime_args++] = v;
    } else if (match(argv, argc, &i, "--exec-process", &v) && v)
      o->exec_process = v;
    else if (match(argv, argc, &i, "--bundle", &v) && v)
      o->bundle = v;
    else if (match(argv, argc, &i, "--init", &v) && v)
      o->init = v;
    else if (match(argv, argc, &i, "--plan", &v) && v)
      o->plan = v;
    else if (match(argv, argc, &i, "--log-path", &v) && v)
      o->log_path = v;
    else if (match(argv, argc, &i, "--log-format", &v) && v) {
      if (strcmp(v, "cri") == 0)
        o->log_format = LOG_CRI;
      else if (strcmp(v, "json-file") == 0)
        o->log_format = LOG_JSON;
      else
        return usage(o->sync_fd, "--log-format: \"%s\" is neither \"cri\" nor \"json-file\"", v);
    } else if (match(argv, argc, &i, "--log-max-size", &v) && v) {
      if (parse_num(v, 0, 1LL << 50, &num) < 0)
        return usage(o->sync_fd, "--log-max-size: \"%s\" is not a size in bytes", v);
      o->log_max_size = num;
    } else if (match(argv, argc, &i, "--log-max-files", &v) && v) {
      if (parse_num(v, 1, 1000, &num) < 0)
        return usage(o->sync_fd, "--log-max-files: \"%s\" is not a count from 1 to 1000", v);
      o->log_max_files = (int)num;
    } else if (match(argv, argc, &i, "--log-max-line", &v) && v) {
      if (parse_num(v, 1, 1 << 20, &num) < 0)
        return usage(o->sync_fd, "--log-max-line: \"%s\" is not a length from 1 to 1048576", v);
      o->log_max_line = (size_t)num;
    } else
      return usage(o->sync_fd, "unknown argument or missing value: \"%s\"", a);
  }
  if (o->sync_fd < 0)
    return usage(-1, "--sync-fd%s: a file descriptor number of at least 3 is required", "");
  if (fcntl(o->sync_fd, F_GETFD) < 0)
    return usage(-1, "--sync-fd: fd %s is not open", "given");
  if (!o->id || !valid_id(o->id))
    return usage(o->sync_fd, "--id: \"%s\" is not a valid container id", o->id ? o->id : "");
  if (!o->dir || o->dir[0] != '/')
    return usage(o->sync_fd, "--dir: \"%s\" must be an absolute path", o->dir ? o->dir : "");
  if (!!o->runtime == !!o->init)
    return usage(o->sync_fd, "exactly one of --runtime and --init is required%s", "");
  if (o->runtime && !o->bundle)
    return usage(o->sync_fd, "--runtime needs --bundle%s", "");
  if (o->init && !o->plan)
    return usage(o->sync_fd, "--init needs --plan%s", "");
  if (o->init && (o->bundle || o->runtime_root || o->nruntime_args || o->exec_process))
    return usage(o->sync_fd, "--bundle, --runtime-root, --runtime-arg and --exec-process go with --runtime%s", "");
  if (o->runtime && o->plan)
    return usage(o->sync_fd, "--plan goes with --init, not --runtime%s", "");
  if (o->stdin_once && !o->stdin_open)
    return usage(o->sync_fd, "--stdin-once needs --stdin%s", "");
  if (!o->log_path != (o->log_format == LOG_NONE))
    return usage(o->sync_fd, "--log-path and --log-format go together%s", "");
  return 0;
}

int write_atomic(const char *name, const char *data, size_t len, struct err *e)
{
  char tmp[256];
  snprintf(tmp, sizeof tmp, ".%s.tmp", name);
  cleanup_fd int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return err_sys(e, "create \"%s\"", tmp);
  if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
    err_sys(e, "write \"%s\"", tmp);
    unlink(tmp);
    return -1;
  }
  if (rename(tmp, name) < 0) {
    err_sys(e, "rename \"%s\" to \"%s\"", tmp, name);
    unlink(tmp);
    return -1;
  }
  cleanup_fd int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0)
    fsync(dir);
  return 0;
}

/* Leaves the caller's process tree and session: the caller's process exits once the grandchild runs, so
 * the daemon never is the shim's parent (DESIGN.md: berthd keeps no container alive by being its parent). */
static int detach(int sync_fd)
{
  pid_t a = fork();
  if (a < 0) {
    struct err e;
    err_sys(&e, "fork");
    json_line(sync_fd, "error", e.msg, 0);
    return -1;
  }
  if (a > 0) {
    int st;
    while (waitpid(a, &st, 0) < 0 && errno == EINTR)
      ;
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
  }
  if (setsid() < 0)
    _exit(1);
  pid_t b = fork(); /* not a session leader: opening a tty can never make it our controlling terminal */
  if (b < 0) {
    struct err e;
    err_sys(&e, "fork");
    json_line(sync_fd, "error", e.msg, 0);
    _exit(1);
  }
  if (b > 0)
    _exit(0);
  return 0;
}

/* stdio to /dev/null (the daemon's pipes must not keep it waiting), every other inherited fd closed. */
static int isolate_fds(int sync_fd, struct err *e)
{
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0)
    return err_sys(e, "open \"/dev/null\"");
  for (int fd = 0; fd <= 2; fd++)
    if (dup2(null, fd) < 0)
      return err_sys(e, "dup2 /dev/null");
  if (null > 2)
    close(null);
  if (sync_fd > 3)
    syscall(SYS_close_range, 3, sync_fd - 1, 0);
  syscall(SYS_close_range, sync_fd + 1, ~0U, 0);
  return fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0 ? err_sys(e, "--sync-fd") : 0;
}

/* SIGCHLD tells of exits; the rest are forwarded to the container (loop.c). SIGPIPE is ignored here
 * and restored to its default in every child before exec. */
static int setup_signals(struct shim *s, struct err *e)
{
  sigset_t mask;
  sigemptyset(&mask);
  int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&mask, sigs[i]);
  signal(SIGPIPE, SIG_IGN);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
    return err_sys(e, "sigprocmask");
  s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  return s->sigfd < 0 ? err_sys(e, "signalfd") : 0;
}

static void remove_files(void)
{
  unlink("attach.sock");
  unlink("shim.pid");
}

int main(int argc, char **argv)
{
  struct opts o = {0};
  int r = parse_args(argc, argv, &o);
  if (r)
    return r;
  if (detach(o.sync_fd) < 0)
    return 1;

  struct err e = {0};
  struct shim s = {.o = &o, .epfd = -1, .sigfd = -1, .listen_fd = -1, .in = -1, .master = -1,
                   .out = {-1, -1}, .log = {.fd = -1}};
  char pid[32];
  if (isolate_fds(o.sync_fd, &e) < 0)
    goto fail;
  /* Orphans of the container (and the container itself, once berth-init or the runtime exits) are ours. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
    err_sys(&e, "prctl PR_SET_CHILD_SUBREAPER");
    goto fail;
  }
  if (chdir(o.dir) < 0) {
    err_sys(&e, "chdir \"%s\"", o.dir);
    goto fail;
  }
  umask(022);
  snprintf(pid, sizeof pid, "%d", getpid());
  if (setup_signals(&s, &e) < 0 || write_atomic("shim.pid", pid, strlen(pid), &e) < 0)
    goto fail;
  if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
    err_sys(&e, "epoll_create1");
    goto fail;
  }
  if (log_open(&s.log, &o, &e) < 0 || attach_listen(&s, &e) < 0 || create_container(&s, &e) < 0)
    goto fail;
  snprintf(pid, sizeof pid, "%d", s.pid);
  if (o.init && write_atomic("container.pid", pid, strlen(pid), &e) < 0) {
    kill(s.pid, SIGKILL);
    while (waitpid(s.pid, NULL, 0) < 0 && errno == EINTR)
      ;
    goto fail;
  }
  oom_prepare(&s);
  json_line(o.sync_fd, "pid", NULL, s.pid);
  close(o.sync_fd);
  r = run_loop(&s);
  remove_files();
  return r;

fail:
  remove_files();
  json_line(o.sync_fd, "error", e.msg, 0);
  return 1;
}
