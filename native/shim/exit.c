/* The exit file, and whether the kernel's OOM killer ended the container: the oom_kill counter of its
 * memory cgroup (v1 memory.oom_control, kernel >= 4.13; v2 memory.events, cgroup-v2.rst) read right after
 * create and again after the exit; a rise means an OOM kill happened in the container's cgroup. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static ssize_t read_small(const char *path, char *buf, size_t size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
  return n;
}

static long long oom_kills(const char *file)
{
  char buf[1024];
  if (!file || read_small(file, buf, sizeof buf) <= 0)
    return -1;
  for (char *p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (strncmp(p, "oom_kill ", 9) == 0)
      return strtoll(p + 9, NULL, 10);
  return -1;
}

/* Whether the comma-separated list has the word. */
static int has_word(const char *list, size_t len, const char *word)
{
  size_t wl = strlen(word);
  for (const char *p = list; p < list + len;) {
    const char *end = memchr(p, ',', (size_t)(list + len - p));
    size_t n = end ? (size_t)(end - p) : (size_t)(list + len - p);
    if (n == wl && strncmp(p, word, wl) == 0)
      return 1;
    p += n + 1;
  }
  return 0;
}

/* The mountpoint and root of the memory hierarchy (v1 `cgroup ... memory`, else cgroup2) from mountinfo. */
static int memory_mount(int v2, char *mnt, char *root, size_t size)
{
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return -1;
  char line[4096];
  int found = -1;
  while (found < 0 && fgets(line, sizeof line, f)) {
    char *sep = strstr(line, " - ");
    if (!sep)
      continue;
    char r[PATH_MAX], m[PATH_MAX], fstype[32], source[256], super[1024] = "";
    if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2 ||
        sscanf(sep + 3, "%31s %255s %1023s", fstype, source, super) < 2)
      continue;
    int memory = strcmp(fstype, "cgroup") == 0 && has_word(super, strlen(super), "memory");
    if (v2 ? strcmp(fstype, "cgroup2") == 0 : memory) {
      snprintf(mnt, size, "%s", m);
      snprintf(root, size, "%s", r);
      found = 0;
    }
  }
  fclose(f);
  return found;
}

void oom_prepare(struct shim *s)
{
  char path[64], buf[4096], mnt[PATH_MAX], root[PATH_MAX], file[PATH_MAX * 2];
  snprintf(path, sizeof path, "/proc/%d/cgroup", s->pid);
  if (read_small(path, buf, sizeof buf) <= 0)
    return;
  const char *v1 = NULL, *v2 = NULL;
  for (char *line = buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 && c2 == c1 + 1 && strncmp(line, "0:", 2) == 0)
      v2 = c2 + 1;
    else if (c2 && has_word(c1 + 1, (size_t)(c2 - c1 - 1), "memory"))
      v1 = c2 + 1;
    line = nl ? nl + 1 : NULL;
  }
  const char *cg = v1 ? v1 : v2;
  if (!cg || memory_mount(!v1, mnt, root, sizeof mnt) < 0)
    return;
  size_t rl = strlen(root);
  if (rl > 1 && strncmp(cg, root, rl) == 0)
    cg += rl; /* the hierarchy is mounted from a sub-cgroup */
  snprintf(file, sizeof file, "%s%s/%s", mnt, cg, v1 ? "memory.oom_control" : "memory.events");
  long long before = oom_kills(file);
  if (before < 0)
    return; /* no memory controller there (e.g. a hybrid host's cgroup2 with hugetlb only) */
  s->oom_file = strdup(file);
  s->oom_before = before;
}

int exit_write(struct shim *s, char *json, size_t size, size_t *len, struct err *e)
{
  int st = s->status;
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  long long after = oom_kills(s->oom_file);
  int oom = s->oom_file && after > s->oom_before;
  int n = snprintf(json, size,
                   "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"exitedAt\":\"%s\","
                   "\"logDropped\":%lu}\n",
                   s->pid, code, sig, oom ? "true" : "false", s->exited_at, s->log.dropped);
  *len = n > 0 && (size_t)n < size ? (size_t)n : 0;
  return write_atomic("exit", json, *len, e);
}
