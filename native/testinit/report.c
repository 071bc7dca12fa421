/* The JSON reports: what the kernel says about this process's ids, status, limits, fds, names, terminal
 * and files. Each prints one line of JSON. */
#include "json.h"
#include "testinit.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

int cmd_ids(char **argv)
{
  (void)argv;
  gid_t groups[NGROUPS_MAX];
  int n = getgroups(NGROUPS_MAX, groups);
  if (n < 0)
    return fail("getgroups", "self");
  mode_t mask = umask(0);
  umask(mask);
  printf("{\"uid\":%u,\"gid\":%u,\"euid\":%u,\"egid\":%u,\"groups\":[", getuid(), getgid(), geteuid(), getegid());
  for (int i = 0; i < n; i++)
    printf("%s%u", i ? "," : "", groups[i]);
  printf("],\"umask\":%u}\n", (unsigned)mask);
  return 0;
}

int cmd_status(char **argv)
{
  (void)argv;
  static const char *const strings[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  static const char *const numbers[] = { "NoNewPrivs", "Seccomp" };
  FILE *f = fopen("/proc/self/status", "re");
  if (!f)
    return fail("open", "/proc/self/status");
  char line[4096];
  putchar('{');
  while (fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    *colon = '\0';
    char *value = colon + 1 + strspn(colon + 1, " \t");
    value[strcspn(value, "\n")] = '\0';
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
      if (strcmp(line, strings[i]) == 0) {
        json_key(line);
        json_string(value);
        putchar(',');
      }
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
      if (strcmp(line, numbers[i]) == 0)
        printf("\"%s\":%ld,", line, strtol(value, NULL, 10));
  }
  fclose(f);
  printf("\"pid\":%d,\"ppid\":%d,\"sid\":%d,\"pgid\":%d}\n", getpid(), getppid(), getsid(0), getpgrp());
  return 0;
}

/* A limit as JSON shows it: -1 for RLIM_INFINITY. */
static long long limit(rlim_t value)
{
  return value == RLIM_INFINITY ? -1 : (long long)value;
}

int cmd_rlimits(char **argv)
{
  (void)argv;
#define R(x) { #x, x }
  static const struct {
    const char *name;
    int resource;
  } limits[] = {
    R(RLIMIT_CPU),     R(RLIMIT_FSIZE),   R(RLIMIT_DATA),       R(RLIMIT_STACK),    R(RLIMIT_CORE),
    R(RLIMIT_RSS),     R(RLIMIT_NPROC),   R(RLIMIT_NOFILE),     R(RLIMIT_MEMLOCK),  R(RLIMIT_AS),
    R(RLIMIT_LOCKS),   R(RLIMIT_SIGPENDING), R(RLIMIT_MSGQUEUE), R(RLIMIT_NICE),    R(RLIMIT_RTPRIO),
    R(RLIMIT_RTTIME),
  };
#undef R
  putchar('{');
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    struct rlimit rl;
    if (getrlimit(limits[i].resource, &rl) < 0)
      return fail("getrlimit", limits[i].name);
    printf("%s\"%s\":{\"soft\":%lld,\"hard\":%lld}", i ? "," : "", limits[i].name, limit(rl.rlim_cur),
           limit(rl.rlim_max));
  }
  printf("}\n");
  return 0;
}

static int by_number(const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

int cmd_fds(char **argv)
{
  (void)argv;
  DIR *dir = opendir("/proc/self/fd");
  if (!dir)
    return fail("opendir", "/proc/self/fd");
  int fds[4096], n = 0;
  struct dirent *d;
  while ((d = readdir(dir)) && n < (int)(sizeof fds / sizeof fds[0]))
    if (d->d_name[0] != '.' && atoi(d->d_name) != dirfd(dir))
      fds[n++] = atoi(d->d_name);
  qsort(fds, (size_t)n, sizeof fds[0], by_number);
  /* Read the targets while the directory fd is still open: numbers stay stable. */
  putchar('[');
  for (int i = 0; i < n; i++) {
    char path[64], target[PATH_MAX + 1];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
    ssize_t len = readlink(path, target, sizeof target - 1);
    target[len < 0 ? 0 : len] = '\0';
    printf("%s{\"fd\":%d,\"target\":", i ? "," : "", fds[i]);
    json_string(target);
    putchar('}');
  }
  printf("]\n");
  closedir(dir);
  return 0;
}

int cmd_hostname(char **argv)
{
  (void)argv;
  struct utsname u;
  if (uname(&u) < 0)
    return fail("uname", "self");
  printf("{\"hostname\":");
  json_string(u.nodename);
  printf(",\"domainname\":");
  json_string(u.domainname);
  printf("}\n");
  return 0;
}

int cmd_env(char **argv)
{
  (void)argv;
  putchar('[');
  for (char **e = environ; e && *e; e++) {
    if (e != environ)
      putchar(',');
    json_string(*e);
  }
  printf("]\n");
  return 0;
}

int cmd_tty(char **argv)
{
  (void)argv;
  int tty0 = isatty(0), tty1 = isatty(1);
  int fd = tty0 ? 0 : tty1 ? 1 : -1;
  const char *name = fd >= 0 ? ttyname(fd) : NULL;
  struct winsize ws = { 0 };
  if (fd >= 0)
    ioctl(fd, TIOCGWINSZ, &ws);
  printf("{\"isatty0\":%s,\"isatty1\":%s,\"ttyname\":", tty0 ? "true" : "false", tty1 ? "true" : "false");
  if (name)
    json_string(name);
  else
    printf("null");
  printf(",\"rows\":%u,\"cols\":%u}\n", ws.ws_row, ws.ws_col);
  return 0;
}

static const char *type_of(mode_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFREG:
    return "file";
  case S_IFDIR:
    return "dir";
  case S_IFLNK:
    return "symlink";
  case S_IFCHR:
    return "char";
  case S_IFBLK:
    return "block";
  case S_IFIFO:
    return "fifo";
  case S_IFSOCK:
    return "socket";
  default:
    return "unknown";
  }
}

int cmd_stat(char **argv)
{
  struct stat st;
  if (lstat(argv[0], &st) < 0)
    return fail("lstat", argv[0]);
  printf("{\"mode\":%u,\"uid\":%u,\"gid\":%u,\"type\":\"%s\",\"dev\":\"%u:%u\",\"rdev\":\"%u:%u\"}\n",
         (unsigned)st.st_mode, st.st_uid, st.st_gid, type_of(st.st_mode), major(st.st_dev), minor(st.st_dev),
         major(st.st_rdev), minor(st.st_rdev));
  return 0;
}
