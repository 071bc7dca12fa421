/* berth-shim: the per-container monitor (PROTOCOL.md beside this file is its contract). One process per
 * container, single-threaded, one epoll loop: it creates the container (built-in berth-init or an OCI
 * runtime), then owns its stdio (log file, attachers), forwards control requests, reaps it and records
 * its exit. Everything here carries out what the daemon decided; nothing is looked up or defaulted. */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../init/err.h"

#define MAX_RUNTIME_ARGS 16

enum log_format { LOG_NONE, LOG_CRI, LOG_JSON };
enum stream { OUT_STDOUT, OUT_STDERR };

/* The command line, checked whole before anything is created. */
struct opts {
  const char *id, *dir;
  int sync_fd;
  /* OCI runtime path: runtime binary, its global flags, the bundle. */
  const char *runtime, *runtime_root, *bundle;
  const char *runtime_args[MAX_RUNTIME_ARGS];
  size_t nruntime_args;
  /* With the runtime: run an extra process in a running container (`exec --process`), not `create`. */
  const char *exec_process;
  /* Built-in path: berth-init and the plan file the daemon wrote. */
  const char *init, *plan;
  int terminal, stdin_open, stdin_once;
  const char *log_path;
  enum log_format log_format;
  long long log_max_size; /* bytes; 0: never rotate */
  int log_max_files;      /* files kept, the live one included (>= 1) */
  size_t log_max_line;    /* a longer line is split into partial records */
};

/* A log driver (log.c): CRI or json-file records, lines assembled per stream. */
struct log_line {
  char *buf; /* max_line bytes, allocated when a partial line first has to wait */
  size_t len;
};
struct log {
  int fd;
  enum log_format format;
  const char *path;
  long long size, max_size;
  int max_files;
  size_t max_line;
  struct log_line line[2];
  char *scratch; /* json-file record assembly */
  size_t scratch_cap;
  unsigned long dropped; /* records a failed write lost */
  int torn;              /* the last record was cut short: a newline is owed before the next */
};

struct client;

/* The live state of the monitor. */
struct shim {
  const struct opts *o;
  int epfd, sigfd, listen_fd;
  int out[2];  /* read ends of the container's stdout and stderr; with a terminal out[0] is the master */
  int in;      /* write end of the container's stdin (with a terminal: a dup of the master); -1 closed */
  int master;  /* the pty master, -1 without a terminal */
  pid_t pid;   /* the container process */
  int status;  /* its wait status, once reaped */
  int reaped;
  int exiting; /* the container is gone: draining, then EXIT to the clients */
  char exited_at[40];
  char *inq;   /* stdin bytes the container has not taken yet */
  size_t inq_len, inq_off;
  int in_closing;   /* close stdin once the queue is written */
  int stdin_paused; /* the queue is full: attachers' stdin is not read */
  struct log log;
  struct client *clients;
  char *oom_file; /* memory.oom_control (v1) or memory.events (v2) of the container, or NULL */
  long long oom_before;
};

/* create.c: creates the container (its stdio is set up here too); fills s->pid, s->out, s->in, s->master. */
int create_container(struct shim *s, struct err *e);

/* loop.c: runs until the container has exited and everything is written; returns the shim's exit status. */
int run_loop(struct shim *s);
/* Reads what signalfd has, reaping children; returns 1 once the container has been reaped. */
int reap_children(struct shim *s);
/* Writes stdin bytes (or queues them while the container does not read). */
void stdin_write(struct shim *s, const char *p, size_t n);
/* Closes the container's stdin (with a terminal: sends VEOF, as ^D would). */
void stdin_close(struct shim *s);
/* (Re)arms an fd in the epoll set; data is the watch pointer. */
int watch_fd(struct shim *s, int fd, void *data, uint32_t events, int op);

/* attach.c: clients of attach.sock. */
int attach_listen(struct shim *s, struct err *e);
void client_accept(struct shim *s);
void client_event(struct shim *s, struct client *c, uint32_t events);
/* Copies container output to every client attached to that stream. */
void clients_output(struct shim *s, enum stream st, const char *p, size_t n);
/* Sends the EXIT frame to the clients that asked, flushes for a bounded time, closes them all. */
void clients_finish(struct shim *s, const char *exit_json, size_t len);
/* Frees the clients dropped meanwhile; called between epoll batches, never inside one. */
void clients_sweep(struct shim *s);
/* Whether any client may send stdin (it is paused while the stdin queue is full). */
void clients_pause_stdin(struct shim *s, int paused);

/* log.c */
int log_open(struct log *l, const struct opts *o, struct err *e);
void log_feed(struct log *l, enum stream st, const char *p, size_t n);
/* The stream ended: a line still waiting is written as a partial record. */
void log_end(struct log *l, enum stream st);
int log_reopen(struct log *l, struct err *e);
/* RFC 3339 UTC with nanoseconds, NUL-terminated: 2016-10-06T00:17:09.669794202Z (31 bytes). */
void timestamp(char out[40]);

/* exit.c */
void oom_prepare(struct shim *s);
/* Writes the exit file (PROTOCOL.md "Exit file") atomically; fills json with its one line. */
int exit_write(struct shim *s, char *json, size_t size, size_t *len, struct err *e);

/* main.c: writes `data` to dir/name through a temp file, fsync and rename (and fsyncs the dir). */
int write_atomic(const char *name, const char *data, size_t len, struct err *e);

#endif
