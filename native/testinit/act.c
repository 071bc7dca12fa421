/* Actions: each does one thing and reports what the kernel answered (the errno name on failure). */
#include "testinit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Writes all of buf to fd; 0 or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int cmd_write(char **argv)
{
  int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail("open", argv[0]);
  if (write_all(fd, argv[1], strlen(argv[1])) < 0) {
    int r = fail("write", argv[0]);
    close(fd);
    return r;
  }
  if (close(fd) < 0) /* NFS and FUSE may report the failure only here */
    return fail("close", argv[0]);
  return 0;
}

int cmd_mkdir(char **argv)
{
  mode_t mode = argv[1] ? (mode_t)strtoul(argv[1], NULL, 8) : 0755;
  if (mkdir(argv[0], mode) < 0)
    return fail("mkdir", argv[0]);
  return 0;
}

int cmd_sleep(char **argv)
{
  double seconds = strtod(argv[0], NULL);
  if (!(seconds >= 0 && seconds < 1e9)) /* also NaN */
    seconds = 0;
  struct timespec left = { .tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9) };
  while (nanosleep(&left, &left) < 0 && errno == EINTR)
    ;
  return 0;
}

int cmd_signal_self(char **argv)
{
  fflush(stdout);
  if (kill(getpid(), atoi(argv[0])) < 0)
    return fail("kill", argv[0]);
  return 0; /* the signal was ignored or handled: as pid 1 of a pid namespace, it usually is */
}

/* Prints "ok", or the errno name; exit status 0 or 1. */
static int report(int r)
{
  const char *name = strerrorname_np(errno);
  printf("%s\n", r == 0 ? "ok" : name ? name : "EUNKNOWN");
  return r == 0 ? 0 : 1;
}

int cmd_mount_try(char **argv)
{
  return report(mount(argv[0], argv[1], argv[0], 0, NULL));
}

int cmd_umount_try(char **argv)
{
  return report(umount2(argv[0], 0));
}

int cmd_sig_wait(char **argv)
{
  (void)argv;
  /* Blocked and taken with sigwaitinfo: this works as pid 1 too, where a default action never runs. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  while (sigwaitinfo(&set, NULL) < 0)
    if (errno != EINTR)
      return fail("sigwaitinfo", "SIGTERM");
  printf("got SIGTERM\n");
  return 0;
}

int cmd_echo_stdin(char **argv)
{
  (void)argv;
  char buf[8192];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail("read", "stdin");
    if (n == 0)
      return 0;
    if (write_all(1, buf, (size_t)n) < 0)
      return fail("write", "stdout");
  }
}
