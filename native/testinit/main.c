/* testinit <command> [args]: prints what the kernel says about this process, or does one thing and
 * reports the errno name. Exit status: 0 done, 1 the operation failed (errno name on stdout), 2 usage.
 *
 *   ids                 {"uid","gid","euid","egid","groups":[...],"umask"}
 *   status              {"CapInh".."CapAmb" (hex strings as in /proc/self/status),"NoNewPrivs","Seccomp",
 *                        "pid","ppid","sid","pgid"}
 *   rlimits             {"RLIMIT_NOFILE":{"soft","hard"},...}; -1 is unlimited
 *   fds                 [{"fd":0,"target":"/dev/null"},...] open fds in order (not the one listing them)
 *   mounts | oom        /proc/self/mountinfo | /proc/self/oom_score_adj, copied
 *   hostname            {"hostname","domainname"} from uname(2)
 *   cwd                 getcwd(3) and a newline
 *   env                 ["KEY=value",...]
 *   tty                 {"isatty0","isatty1","ttyname" (of fd 0, else 1, else null),"rows","cols"}
 *   cat <path>          the file's bytes
 *   write <path> <text> writes text (no newline), creating the file 0644 and truncating it
 *   mkdir <path> [mode] mode in octal, 0755 by default
 *   stat <path>         lstat(2): {"mode","uid","gid","type","dev","rdev"}; type is file, dir, symlink,
 *                       char, block, fifo or socket; dev and rdev are "major:minor"
 *   exit <code> | sleep <seconds> | signal-self <signal number>
 *   mount-try <fstype> <target> | umount-try <target>   print "ok" or the errno name
 *   sig-wait            waits for SIGTERM, prints "got SIGTERM"
 *   print <text> | eprint <text>   text and a newline on stdout | stderr
 *   echo-stdin          copies stdin to stdout until EOF
 *   syscall [--i386|--x32] [--thread] [--ret] NAME [ARG...]   makes the call, prints "ok", the errno name,
 *                       "trap" or "thread-killed" (syscall.c has the details); a kill is the parent's to see
 *   syscalls CALL...    each "NAME ARG..." in a child, "CALL: outcome" per line, "killed" for SIGSYS
 *   seccomp-dump <pid>  (on the host) [{"flags","insns","filter" (hex)}...], the process's filters
 *   proc-attack | remount-try <target> [ro|rw] | bind-try <source> <target> | swap-loop <a> <b>
 *                       see attack.c */
#include "testinit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fail(const char *what, const char *path)
{
  int saved = errno;
  const char *name = strerrorname_np(saved);
  printf("%s\n", name ? name : "EUNKNOWN");
  fprintf(stderr, "testinit: %s \"%s\": %s\n", what, path, strerror(saved));
  return 1;
}

int copy_file(const char *path)
{
  char buf[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail("open", path);
  fflush(stdout);
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int r = fail("read", path);
      close(fd);
      return r;
    }
    if (n == 0)
      break;
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
      break;
  }
  close(fd);
  return 0;
}

static int cmd_mounts(char **argv)
{
  (void)argv;
  return copy_file("/proc/self/mountinfo");
}

static int cmd_oom(char **argv)
{
  (void)argv;
  return copy_file("/proc/self/oom_score_adj");
}

static int cmd_cat(char **argv)
{
  return copy_file(argv[0]);
}

static int cmd_cwd(char **argv)
{
  (void)argv;
  char *cwd = getcwd(NULL, 0);
  if (!cwd)
    return fail("getcwd", ".");
  printf("%s\n", cwd);
  free(cwd);
  return 0;
}

static int cmd_exit(char **argv)
{
  return atoi(argv[0]);
}

static int cmd_print(char **argv)
{
  printf("%s\n", argv[0]);
  return 0;
}

static int cmd_eprint(char **argv)
{
  fprintf(stderr, "%s\n", argv[0]);
  return 0;
}

static const struct command {
  const char *name;
  int nargs; /* required; a command may read one more optional argument */
  int (*run)(char **argv);
} commands[] = {
  { "ids", 0, cmd_ids },
  { "status", 0, cmd_status },
  { "rlimits", 0, cmd_rlimits },
  { "fds", 0, cmd_fds },
  { "mounts", 0, cmd_mounts },
  { "hostname", 0, cmd_hostname },
  { "cwd", 0, cmd_cwd },
  { "env", 0, cmd_env },
  { "oom", 0, cmd_oom },
  { "tty", 0, cmd_tty },
  { "cat", 1, cmd_cat },
  { "write", 2, cmd_write },
  { "mkdir", 1, cmd_mkdir },
  { "stat", 1, cmd_stat },
  { "exit", 1, cmd_exit },
  { "sleep", 1, cmd_sleep },
  { "signal-self", 1, cmd_signal_self },
  { "mount-try", 2, cmd_mount_try },
  { "umount-try", 1, cmd_umount_try },
  { "sig-wait", 0, cmd_sig_wait },
  { "print", 1, cmd_print },
  { "eprint", 1, cmd_eprint },
  { "echo-stdin", 0, cmd_echo_stdin },
  { "syscall", 1, cmd_syscall },
  { "syscalls", 1, cmd_syscalls },
  { "seccomp-dump", 1, cmd_seccomp_dump },
  { "proc-attack", 0, cmd_proc_attack },
  { "remount-try", 1, cmd_remount_try },
  { "bind-try", 2, cmd_bind_try },
  { "swap-loop", 2, cmd_swap_loop },
};

int main(int argc, char **argv)
{
  for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(argv[1], commands[i].name) != 0)
      continue;
    if (argc - 2 < commands[i].nargs) {
      fprintf(stderr, "testinit: %s needs %d argument(s)\n", commands[i].name, commands[i].nargs);
      return 2;
    }
    int status = commands[i].run(argv + 2);
    fflush(stdout);
    return status;
  }
  fprintf(stderr, "usage: testinit <command> [args]; commands:");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(stderr, " %s", commands[i].name);
  fprintf(stderr, "\n");
  return 2;
}
