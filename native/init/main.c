/* berth-init create|run --plan-fd P --sync-fd S: reads the plan (PLAN.md), checks it whole, then hands
 * over to the parent side. Its exit status: 0 (create), the container's (run), 1 on error, 2 on usage. */
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
  dprintf(2, "berth-init: %s\nusage: berth-init create|run --plan-fd P --sync-fd S\n", why);
  return 2;
}

static int parse_fd(const char *s, int *fd)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > 1 << 20)
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

int main(int argc, char **argv, char **envp)
{
  int plan_fd = -1, sync_fd = -1;
  if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "run") != 0))
    return usage("the first argument must be \"create\" or \"run\"");
  int run_mode = strcmp(argv[1], "run") == 0;
  for (int i = 2; i < argc; i++) {
    int *fd = strncmp(argv[i], "--plan-fd", 9) == 0 ? &plan_fd : strncmp(argv[i], "--sync-fd", 9) == 0 ? &sync_fd : NULL;
    const char *value = fd && argv[i][9] == '=' ? argv[i] + 10 : fd && !argv[i][9] && i + 1 < argc ? argv[++i] : NULL;
    if (!value || parse_fd(value, fd) < 0)
      return usage("bad argument");
  }
  if (plan_fd < 0 || sync_fd < 0)
    return usage("--plan-fd and --sync-fd are required");
  if (plan_fd == sync_fd)
    return usage("--plan-fd and --sync-fd must differ");
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
  if (plan_parse(&plan, buf, len, run_mode, &e) < 0 || set_dumpable(&plan, &e) < 0)
    return report_error(sync_fd, &e);
  unsigned first_ours = 3 + (plan.process ? plan.process->u.process.preserve_fds : 0);
  if ((unsigned)sync_fd < first_ours || (unsigned)plan_fd < first_ours) {
    err_msg(&e, "plan: preserve_fds %u overlaps --plan-fd %d or --sync-fd %d", first_ours - 3, plan_fd, sync_fd);
    return report_error(sync_fd, &e);
  }
  if (close_stray_fds(first_ours, sync_fd, &e) < 0)
    return report_error(sync_fd, &e);
  return parent_main(&plan, run_mode, sync_fd);
}
