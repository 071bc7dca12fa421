/* berth-pause: the holder process of a CRI pod sandbox (DESIGN.md "a pause/holder mode for pod
 * sandboxes"). It keeps the pod's namespaces (net, ipc, uts, and pid when the pod shares one) alive while
 * the pod's containers come and go, as Kubernetes' pause container does. It does nothing else:
 *   - as PID 1 of a shared pid namespace it reaps every orphan re-parented to it (wait4 on SIGCHLD), so
 *     that no zombie outlives its container (kill(2): init gets the children of dead parents);
 *   - SIGTERM and SIGINT end it with status 0, which is how StopPodSandbox stops it; a PID 1 gets no
 *     signal it has no handler for (pid_namespaces(7)), so both handlers are needed;
 *   - everything else it sleeps through, blocked in sigsuspend(2), using no CPU.
 * Usage: berth-pause [-v] (-v prints its version and exits). It takes no input and writes nothing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAUSE_VERSION "berth-pause 1"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_child(int sig)
{
	(void)sig; /* the reaping happens in the main loop, outside the handler */
}

static void reap_all(void)
{
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
	errno = saved;
}

static int install(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	sigset_t blocked, waiting;

	if (argc == 2 && strcmp(argv[1], "-v") == 0) {
		puts(PAUSE_VERSION);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "berth-pause: takes no arguments (usage: berth-pause [-v])\n");
		return 2;
	}
	if (install(SIGTERM, on_stop) < 0 || install(SIGINT, on_stop) < 0 || install(SIGCHLD, on_child) < 0) {
		fprintf(stderr, "berth-pause: sigaction: %s\n", strerror(errno));
		return 1;
	}
	/* Block the signals we act on, then wait for them atomically: no wake-up is lost between the check
	 * of stop_requested and the sleep. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &blocked, &waiting) < 0) {
		fprintf(stderr, "berth-pause: sigprocmask: %s\n", strerror(errno));
		return 1;
	}
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGCHLD);
	while (!stop_requested) {
		reap_all();
		sigsuspend(&waiting);
	}
	reap_all();
	return 0;
}
