/* bpf(2) for cgroup device programs (the cgroup v2 device controller), and eventfd(2) for v1 OOM
 * notifications. The TypeScript compiles the program (src/runtime/cgroups/device-bpf.ts) and decides
 * what to attach where; these calls only carry it to the kernel. Every fd they return is close-on-exec
 * (bpf(2) makes its fds O_CLOEXEC; eventfd gets EFD_CLOEXEC). */
#include "addon.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#define LOG_SIZE 65536
#define MAX_PROGS 64

static long sys_bpf(int cmd, union bpf_attr *attr)
{
  long r;
  int tries = 0;
  do /* the verifier may ask to retry (EAGAIN); a few times, never forever */
    r = syscall(SYS_bpf, cmd, attr, sizeof *attr);
  while (r < 0 && errno == EAGAIN && cmd == BPF_PROG_LOAD && ++tries < 5);
  return r;
}

/* bpfProgLoad(type: number, insns: Uint8Array, license: string) -> fd. A verifier rejection reports the
 * verifier's log, which names the offending instruction. */
napi_value js_bpf_prog_load(napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  int32_t type;
  void *insns;
  size_t len;
  cleanup_free char *license = NULL;
  if (get_args(env, info, 3, argv) < 0 || arg_int32(env, argv[0], "type", &type) < 0 ||
      arg_bytes(env, argv[1], "insns", &insns, &len) < 0 || arg_string(env, argv[2], "license", 0, &license) < 0)
    return NULL;
  if (len == 0 || len % sizeof(struct bpf_insn) != 0) {
    throw_arg(env, "insns", "a non-empty multiple of 8 bytes");
    return NULL;
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = (uint32_t)type;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)(len / sizeof(struct bpf_insn));
  attr.license = (uint64_t)(uintptr_t)license;
  long fd = sys_bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return make_int(env, fd);
  int saved = errno;
  if (saved != EACCES && saved != EINVAL)
    return throw_errno(env, saved, "bpf(BPF_PROG_LOAD)", NULL);
  /* Load again with a log to say why. */
  cleanup_free char *log = calloc(1, LOG_SIZE);
  if (!log)
    return throw_errno(env, ENOMEM, "bpf(BPF_PROG_LOAD)", NULL);
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = LOG_SIZE;
  attr.log_level = 1;
  fd = sys_bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) /* accepted with a log: the first refusal was not the program's fault */
    return make_int(env, fd);
  saved = errno;
  for (char *p = log; *p; p++)
    if (*p == '\n' || *p == '"')
      *p = ' ';
  return throw_errno(env, saved, "bpf(BPF_PROG_LOAD)", log[0] ? log : NULL);
}

/* BPF_PROG_ATTACH or BPF_PROG_DETACH: (targetFd, progFd, attachType[, flags, replaceFd]). */
static napi_value attach_detach(napi_env env, napi_callback_info info, int cmd)
{
  int attach = cmd == BPF_PROG_ATTACH;
  napi_value argv[5];
  int32_t target, prog, type, flags = 0, replace = -1;
  if (get_args(env, info, attach ? 5 : 3, argv) < 0 || arg_int32(env, argv[0], "targetFd", &target) < 0 ||
      arg_int32(env, argv[1], "progFd", &prog) < 0 || arg_int32(env, argv[2], "attachType", &type) < 0)
    return NULL;
  if (attach && (arg_int32(env, argv[3], "flags", &flags) < 0 || arg_int32(env, argv[4], "replaceFd", &replace) < 0))
    return NULL;
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)target;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = (uint32_t)type;
  attr.attach_flags = (uint32_t)flags;
  if (replace >= 0)
    attr.replace_bpf_fd = (uint32_t)replace;
  if (sys_bpf(cmd, &attr) < 0)
    return throw_errno(env, errno, attach ? "bpf(BPF_PROG_ATTACH)" : "bpf(BPF_PROG_DETACH)", NULL);
  return NULL;
}

/* bpfProgAttach(targetFd, progFd, attachType, flags, replaceFd); replaceFd is used with BPF_F_REPLACE
 * (pass -1 otherwise). */
napi_value js_bpf_prog_attach(napi_env env, napi_callback_info info)
{
  return attach_detach(env, info, BPF_PROG_ATTACH);
}

/* bpfProgDetach(targetFd, progFd, attachType): BPF_PROG_DETACH of that one program. */
napi_value js_bpf_prog_detach(napi_env env, napi_callback_info info)
{
  return attach_detach(env, info, BPF_PROG_DETACH);
}

/* bpfProgQuery(targetFd, attachType) -> number[]: ids of the programs attached directly to the target. */
napi_value js_bpf_prog_query(napi_env env, napi_callback_info info)
{
  napi_value argv[2], out, v;
  int32_t target, type;
  if (get_args(env, info, 2, argv) < 0 || arg_int32(env, argv[0], "targetFd", &target) < 0 ||
      arg_int32(env, argv[1], "attachType", &type) < 0)
    return NULL;
  uint32_t ids[MAX_PROGS];
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t)target;
  attr.query.attach_type = (uint32_t)type;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = MAX_PROGS; /* the kernel's own limit per cgroup and attach type */
  if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
    return throw_errno(env, errno, "bpf(BPF_PROG_QUERY)", NULL);
  NAPI_OK(env, napi_create_array_with_length(env, attr.query.prog_cnt, &out));
  for (uint32_t i = 0; i < attr.query.prog_cnt && i < MAX_PROGS; i++) {
    NAPI_OK(env, napi_create_uint32(env, ids[i], &v));
    NAPI_OK(env, napi_set_element(env, out, i, v));
  }
  return out;
}

/* bpfProgGetFdById(id) -> fd of an attached program (to replace or detach it). */
napi_value js_bpf_prog_get_fd_by_id(napi_env env, napi_callback_info info)
{
  napi_value argv[1];
  int32_t id;
  char subject[16];
  if (get_args(env, info, 1, argv) < 0 || arg_int32(env, argv[0], "id", &id) < 0)
    return NULL;
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_id = (uint32_t)id;
  long fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0) {
    snprintf(subject, sizeof subject, "%" PRId32, id);
    return throw_errno(env, errno, "bpf(BPF_PROG_GET_FD_BY_ID)", subject);
  }
  return make_int(env, fd);
}

/* eventfd(initval: number, flags: number) -> fd; EFD_CLOEXEC is always added. */
napi_value js_eventfd(napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  int32_t initval, flags;
  if (get_args(env, info, 2, argv) < 0 || arg_int32(env, argv[0], "initval", &initval) < 0 ||
      arg_int32(env, argv[1], "flags", &flags) < 0)
    return NULL;
  if (initval < 0) {
    throw_arg(env, "initval", "a non-negative integer");
    return NULL;
  }
  int fd = eventfd((unsigned int)initval, flags | EFD_CLOEXEC);
  if (fd < 0)
    return throw_errno(env, errno, "eventfd", NULL);
  return make_int(env, fd);
}
