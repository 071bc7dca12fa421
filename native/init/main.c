/* berth-init create|run --plan-fd P --sync-fd S: reads the plan (PLAN.md), checks it whole, then hands
 * over to the parent side. Its exit status: 0 (create), the container's (run), 1 on error, 2 on usage.
 * berth-init hooks --plan-fd P --sync-fd S --pid N runs the plan's RUNTIME_HOOK records for container N. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLAN_MAX (64u << 20)

int report_error(int fd, const struct err *e)
{
  if (json_line(fd, "error", e->msg, 0) < 0)
    dprintf(2, "berth-init: %s\n", e->msg); /* nobody reads fd S: say it somewhere */
  close(fd);
  return 1;
}

static int usage(const char *why)
{
  dprintf(2, "berth-init: %s\nusage: berth-init create|run --plan-fd P --sync-fd S\n"
             "       berth-init hooks --plan-fd P --sync-fd S --pid N\n",
          why);
  return 2;
}

/* A non-negative decimal number up to 2^22 (an fd, or a pid: pid_max is at most 2^22). */
static int parse_number(const char *s, int *fd)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > 1 << 22)
    return -1;
  *fd = (int)v;
  return 0;
}

static int read_plan(int fd, uint8_t **out, size_t *len, struct err *e)
{
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  if (!buf)
    return err_sys(e, "plan: read");
  for (;;) {
    if (n == cap) {
      if (cap >= PLAN_MAX) {
        free(buf);
        return err_msg(e, "plan: larger than %u bytes", PLAN_MAX);
      }
      uint8_t *bigger = realloc(buf, cap *= 2);
      if (!bigger) {
        free(buf);
        return err_sys(e, "plan: read");
      }
      buf = bigger;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      free(buf);
      return err_sys(e, "plan: read fd %d", fd);
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  *out = buf;
  *len = n;
  return 0;
}

/* hooks mode: every RUNTIME_HOOK in order, stopping at the first failure. */
static int hooks_main(const struct plan *p, pid_t pid, int sync_out)
{
  struct err e = {0};
  for (size_t i = 0; i < p->nsteps; i++)
    if (run_hook(&p->steps[i], pid, &e) < 0)
      return report_error(sync_out, &e);
  if (json_line(sync_out, "pid", NULL, pid) < 0)
    dprintf(2, "berth-init: report: %s\n", strerror(errno));
  close(sync_out);
  return 0;
}

int main(int argc, char **argv, char **envp)
{
  int plan_fd = -1, sync_fd = -1, pid = -1;
  enum mode mode;
  if (argc < 2)
    return usage("the first argument must be \"create\", \"run\" or \"hooks\"");
  if (strcmp(argv[1], "create") == 0)
    mode = MODE_CREATE;
  else if (strcmp(argv[1], "run") == 0)
    mode = MODE_RUN;
  else if (strcmp(argv[1], "hooks") == 0)
    mode = MODE_HOOKS;
  else
    return usage("the first argument must be \"create\", \"run\" or \"hooks\"");
  for (int i = 2; i < argc; i++) {
    size_t n = strncmp(argv[i], "--pid", 5) == 0 && (!argv[i][5] || argv[i][5] == '=') ? 5 : 9;
    int *fd = n == 5                                    ? &pid
              : strncmp(argv[i], "--plan-fd", 9) == 0 ? &plan_fd
              : strncmp(argv[i], "--sync-fd", 9) == 0 ? &sync_fd
                                                      : NULL;
    const char *value = fd && argv[i][n] == '=' ? argv[i] + n + 1 : fd && !argv[i][n] && i + 1 < argc ? argv[++i] : NULL;
    if (!value || parse_number(value, fd) < 0)
      return usage("bad argument");
  }
  if (plan_fd < 0 || sync_fd < 0)
    return usage("--plan-fd and --sync-fd are required");
  if (plan_fd == sync_fd)
    return usage("--plan-fd and --sync-fd must differ");
  if ((mode == MODE_HOOKS) != (pid >= 0))
    return usage("--pid is required in hooks mode, and only there");
  struct err e = {0};
  /* Before anything else, and while the plan and sync fds are still inherited across execve: from here on
   * berth-init runs from a sealed copy of itself (harden.c, CVE-2019-5736). */
  if (seal_self(argv, envp, &e) < 0)
    return report_error(sync_fd, &e);
  /* Inherited without CLOEXEC: neither may reach the container. */
  if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
    return usage("--sync-fd is not an open fd");
  if (fcntl(plan_fd, F_SETFD, FD_CLOEXEC) < 0) {
    err_sys(&e, "plan: fd %d", plan_fd);
    return report_error(sync_fd, &e);
  }

  uint8_t *buf = NULL;
  size_t len = 0;
  struct plan plan;
  if (read_plan(plan_fd, &buf, &len, &e) < 0)
    return report_error(sync_fd, &e);
  close(plan_fd);
  if (plan_parse(&plan, buf, len, mode, &e) < 0 || set_dumpable(&plan, &e) < 0)
    return report_error(sync_fd, &e);
  unsigned first_ours = 3 + (plan.process ? plan.process->u.process.preserve_fds : 0);
  if ((unsigned)sync_fd < first_ours || (unsigned)plan_fd < first_ours) {
    err_msg(&e, "plan: preserve_fds %u overlaps --plan-fd %d or --sync-fd %d", first_ours - 3, plan_fd, sync_fd);
    return report_error(sync_fd, &e);
  }
  if (close_stray_fds(first_ours, sync_fd, &e) < 0)
    return report_error(sync_fd, &e);
  if (mode == MODE_HOOKS)
    return hooks_main(&plan, pid, sync_fd);
  return parent_main(&plan, mode == MODE_RUN, sync_fd);
}
