/* The `syscall` and `syscalls` actions: make one system call with the given arguments and print what the
 * kernel (and so the seccomp filter) answered, for tests that check a profile from inside the container.
 *
 *   syscall [--i386|--x32] [--thread] [--ret] NAME|NUMBER [ARG...]
 *   syscalls CALL...        each CALL one argument, "NAME ARG..." with the same options, in a child each
 *
 * NAME is looked up in the C library's kernel headers for the ABI (gen-sysnr.sh): the native one, or with
 * --i386 the int $0x80 ABI (seccomp sees AUDIT_ARCH_I386), or with --x32 the numbers with __X32_SYSCALL_BIT
 * (seccomp sees AUDIT_ARCH_X86_64 and the bit, whether or not the kernel has x32). ARGs are integers (0x.. hex,
 * -1), `buf` (a pointer to 4 KiB of zeroes) or a path starting with '/' (a pointer to that string); --i386
 * passes their low 32 bits. clone, fork and clone3 (its
 * one ARG is clone_args.flags) are followed by the child's _exit(0) and the parent's wait.
 *
 * Outcomes, one per line (`CALL: outcome` for syscalls):
 *   ok (ok N with --ret)   the call returned N          exit 0
 *   EPERM, ENOSYS, ...     it failed with that errno    exit 1 (E<n> when the C library has no name for n)
 *   trap                   SIGSYS with si_code SYS_SECCOMP, caught: SECCOMP_RET_TRAP         exit 1
 *   thread-killed          --thread: the calling thread died, the process did not: KILL_THREAD  exit 1
 *   killed                 syscalls: the child died of SIGSYS. `syscall` itself just dies, and its parent
 *                          (the runtime) sees the signal: KILL_PROCESS, or KILL_THREAD of the only thread */
#include "sysnr.h"
#include "testinit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000L
#define SECCOMP_SIGINFO_CODE 1 /* SYS_SECCOMP, siginfo.h */

enum abi { ABI_NATIVE, ABI_I386, ABI_X32 };

struct call {
  enum abi abi;
  int thread;
  int show_ret;
  long nr;
  const char *name;
  unsigned long args[6];
};

/* What the kernel answered: a return value, or an errno. */
struct outcome {
  long ret;
  int err;
};

/* The first fields of struct clone_args (linux/sched.h, CLONE_ARGS_SIZE_VER0); glibc has no header for it. */
struct clone_args_v0 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static char scratch[4096] __attribute__((aligned(64)));

static int parse_number(const char *s, unsigned long *out)
{
  char *end;
  errno = 0;
  *out = *s == '-' ? (unsigned long)strtoll(s, &end, 0) : strtoul(s, &end, 0);
  return *s && !*end && errno == 0 ? 0 : -1;
}

static const struct sysnr *table_of(enum abi abi)
{
#ifdef __x86_64__
  if (abi == ABI_I386)
    return sysnr_i386;
  if (abi == ABI_X32)
    return sysnr_x32;
#endif
  return abi == ABI_NATIVE ? sysnr_native : NULL;
}

static int usage(const char *why, const char *what)
{
  fprintf(stderr, "testinit: syscall: %s \"%s\"\n", why, what);
  return 2;
}

/* Fills c from argv (NULL-terminated); 0, or 2 after a usage message. */
static int parse_call(char **argv, struct call *c)
{
  memset(c, 0, sizeof *c);
  for (; *argv && strncmp(*argv, "--", 2) == 0; argv++) {
    if (strcmp(*argv, "--i386") == 0)
      c->abi = ABI_I386;
    else if (strcmp(*argv, "--x32") == 0)
      c->abi = ABI_X32;
    else if (strcmp(*argv, "--thread") == 0)
      c->thread = 1;
    else if (strcmp(*argv, "--ret") == 0)
      c->show_ret = 1;
    else
      return usage("unknown option", *argv);
  }
  if (!*argv)
    return usage("missing", "NAME");
  const struct sysnr *t = table_of(c->abi);
  if (!t)
    return usage("no such ABI on this architecture", c->abi == ABI_I386 ? "--i386" : "--x32");
  c->name = *argv;
  unsigned long n;
  if (parse_number(c->name, &n) == 0)
    c->nr = (long)n | (c->abi == ABI_X32 ? X32_SYSCALL_BIT : 0);
  else {
    for (; t->name && strcmp(t->name, c->name) != 0; t++)
      ;
    if (!t->name)
      return usage("unknown syscall", c->name);
    c->nr = t->nr;
  }
  if (strcmp(c->name, "vfork") == 0)
    return usage("cannot run (the child would share our stack)", c->name);
  int i = 0;
  for (argv++; *argv; argv++, i++) {
    if (i == 6)
      return usage("more than 6 arguments at", *argv);
    if (strcmp(*argv, "buf") == 0)
      c->args[i] = (unsigned long)scratch;
    else if (**argv == '/')
      c->args[i] = (unsigned long)*argv;
    else if (parse_number(*argv, &c->args[i]) < 0)
      return usage("not a number", *argv);
  }
  return 0;
}

#ifdef __x86_64__
/* A 32-bit syscall from 64-bit code: the kernel runs it as ia32 (in_ia32_syscall), so seccomp_data.arch is
 * AUDIT_ARCH_I386. Arguments go in ebx, ecx, edx, esi, edi, ebp; r8-r11 come back zeroed. */
static long syscall_i386(long nr, const unsigned long *a)
{
  long ret = nr;
  register long r8 __asm__("r8") = (long)(uint32_t)a[5];
  __asm__ volatile("push %%rbp\n\t"
                   "mov %%r8d, %%ebp\n\t"
                   "int $0x80\n\t"
                   "pop %%rbp"
                   : "+a"(ret), "+r"(r8)
                   : "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                   : "memory", "cc", "r9", "r10", "r11");
  return (int32_t)ret;
}
#endif

static int forks(const struct call *c)
{
  return !strcmp(c->name, "clone") || !strcmp(c->name, "clone3") || !strcmp(c->name, "fork");
}

static struct outcome perform(const struct call *c)
{
  struct outcome o = { 0, 0 };
  const unsigned long *a = c->args;
  struct clone_args_v0 ca = { .flags = a[0], .exit_signal = SIGCHLD };
  int is_clone3 = strcmp(c->name, "clone3") == 0 && c->abi == ABI_NATIVE;
#ifdef __x86_64__
  if (c->abi == ABI_I386) {
    o.ret = syscall_i386(c->nr, a);
    if (o.ret < 0 && o.ret >= -4095) {
      o.err = (int)-o.ret;
      o.ret = -1;
    }
  } else
#endif
  {
    errno = 0;
    o.ret = is_clone3 ? syscall(c->nr, &ca, sizeof ca) : syscall(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (o.ret == -1)
      o.err = errno;
  }
  if (forks(c) && o.ret == 0 && !o.err)
    _exit(0); /* the child of a successful clone */
  if (forks(c) && o.ret > 0)
    waitpid((pid_t)o.ret, NULL, __WALL);
  return o;
}

/* Writes s to stdout without stdio: the callers may be a signal handler or a child about to _exit. */
static void say(const char *s)
{
  size_t len = strlen(s);
  while (len > 0) {
    ssize_t n = write(1, s, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    s += n;
    len -= (size_t)n;
  }
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
  (void)sig;
  (void)ctx;
  say(si->si_code == SECCOMP_SIGINFO_CODE ? "trap\n" : "SIGSYS\n");
  _exit(1);
}

static int report(const struct call *c, struct outcome o)
{
  char line[64];
  if (o.err) {
    const char *name = strerrorname_np(o.err);
    if (name)
      snprintf(line, sizeof line, "%s\n", name);
    else
      snprintf(line, sizeof line, "E%d\n", o.err);
  } else if (c->show_ret)
    snprintf(line, sizeof line, "ok %ld\n", o.ret);
  else
    snprintf(line, sizeof line, "ok\n");
  say(line);
  return o.err ? 1 : 0;
}

struct job {
  const struct call *call;
  struct outcome outcome;
  int done;
};

static void *thread_main(void *p)
{
  struct job *j = p;
  j->outcome = perform(j->call);
  j->done = 1;
  return NULL;
}

/* Makes the call (in a second thread with --thread) and reports it. */
static int run_call(const struct call *c)
{
  struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSYS, &sa, NULL);
  fflush(stdout);
  if (!c->thread)
    return report(c, perform(c));
  struct job j = { .call = c };
  pthread_t t;
  int r = pthread_create(&t, NULL, thread_main, &j);
  if (r != 0) {
    errno = r;
    return fail("pthread_create", c->name);
  }
  /* A thread killed by SECCOMP_RET_KILL_THREAD still clears its tid and wakes the join (CLONE_CHILD_CLEARTID). */
  pthread_join(t, NULL);
  if (!j.done) {
    say("thread-killed\n");
    return 1;
  }
  return report(c, j.outcome);
}

int cmd_syscall(char **argv)
{
  struct call c;
  int r = parse_call(argv, &c);
  return r ? r : run_call(&c);
}

int cmd_syscalls(char **argv)
{
  int status = 0;
  for (; *argv; argv++) {
    char copy[512], *words[16];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", *argv);
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && n < 15; w = strtok_r(NULL, " ", &save))
      words[n++] = w;
    words[n] = NULL;
    struct call c;
    int r = parse_call(words, &c);
    if (r)
      return r;
    printf("%s: ", *argv);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
      return fail("fork", *argv);
    if (pid == 0)
      _exit(run_call(&c));
    int st;
    while (waitpid(pid, &st, 0) < 0)
      if (errno != EINTR)
        return fail("waitpid", *argv);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
      printf("killed\n");
    else if (WIFSIGNALED(st))
      printf("signal %d\n", WTERMSIG(st));
    fflush(stdout);
    status |= WIFEXITED(st) ? WEXITSTATUS(st) : 1;
  }
  return status ? 1 : 0;
}
