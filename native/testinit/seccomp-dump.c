/* seccomp-dump <pid>: run on the host, not in a container. Prints the seccomp filters the kernel holds for
 * a process, newest first, as [{"flags":N,"insns":N,"filter":"<hex of struct sock_filter[]>"},...], so a test
 * can compare the installed program with what the runtime compiled. ptrace(2) PTRACE_SECCOMP_GET_FILTER and
 * PTRACE_SECCOMP_GET_METADATA need CAP_SYS_ADMIN, a tracer outside seccomp, and a stopped tracee: the
 * process is seized, interrupted (a blocked syscall restarts after the detach) and let go again. */
#include "testinit.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int cmd_seccomp_dump(char **argv)
{
  pid_t pid = (pid_t)atoi(argv[0]);
  if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
    return fail("ptrace seize", argv[0]);
  int r = 0;
  if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, NULL, __WALL) < 0) {
    r = fail("ptrace interrupt", argv[0]);
    goto out;
  }
  putchar('[');
  for (unsigned long i = 0;; i++) {
    struct __ptrace_seccomp_metadata md = { .filter_off = i };
    if (ptrace(PTRACE_SECCOMP_GET_METADATA, pid, sizeof md, &md) < 0) {
      /* ENOENT: no filter that deep, all are printed; EINVAL first: not in seccomp filter mode at all. */
      if (errno != ENOENT && !(errno == EINVAL && i == 0))
        r = fail("ptrace seccomp metadata", argv[0]);
      break;
    }
    long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, i, NULL);
    struct sock_filter *prog = n > 0 ? calloc((size_t)n, sizeof *prog) : NULL;
    if (!prog || ptrace(PTRACE_SECCOMP_GET_FILTER, pid, i, prog) != n) {
      free(prog);
      r = fail("ptrace seccomp filter", argv[0]);
      break;
    }
    printf("%s{\"flags\":%llu,\"insns\":%ld,\"filter\":\"", i ? "," : "", (unsigned long long)md.flags, n);
    const unsigned char *bytes = (const unsigned char *)prog;
    for (size_t b = 0; b < (size_t)n * sizeof *prog; b++)
      printf("%02x", bytes[b]);
    printf("\"}");
    free(prog);
  }
  printf("]\n");
out:
  ptrace(PTRACE_DETACH, pid, 0, 0);
  return r;
}
