/* testinit: a checker run inside test containers so that tests read the kernel's word, not the runtime's
 * (crun's tests/init.c). Each command prints to stdout and returns the exit status. */
#ifndef BERTH_TESTINIT_H
#define BERTH_TESTINIT_H

/* Reports the failure of `what` on `path` with errno: the errno name (e.g. EROFS) on stdout, a message
 * on stderr. Returns 1, the exit status of a failed command. */
int fail(const char *what, const char *path);
/* Copies the file at path to stdout. Returns 0 or fail(). */
int copy_file(const char *path);

/* report.c: JSON reports, one line each */
int cmd_ids(char **argv);
int cmd_status(char **argv);
int cmd_rlimits(char **argv);
int cmd_fds(char **argv);
int cmd_hostname(char **argv);
int cmd_env(char **argv);
int cmd_tty(char **argv);
int cmd_stat(char **argv);

/* act.c: actions and the kernel's answer to them */
int cmd_write(char **argv);
int cmd_mkdir(char **argv);
int cmd_sleep(char **argv);
int cmd_signal_self(char **argv);
int cmd_mount_try(char **argv);
int cmd_umount_try(char **argv);
int cmd_sig_wait(char **argv);
int cmd_echo_stdin(char **argv);

/* syscall.c: one system call and what seccomp and the kernel answered */
int cmd_syscall(char **argv);
int cmd_syscalls(char **argv);

/* seccomp-dump.c: run on the host, the filters a process holds */
int cmd_seccomp_dump(char **argv);
/* attack.c: attacks on the runtime's protections, for the hardening tests */
int cmd_proc_attack(char **argv);
int cmd_remount_try(char **argv);
int cmd_bind_try(char **argv);
int cmd_swap_loop(char **argv);

#endif
