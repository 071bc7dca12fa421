/* Syscall name tables for testinit's `syscall` action, generated from the kernel headers (gen-sysnr.sh). */
#ifndef BERTH_TESTINIT_SYSNR_H
#define BERTH_TESTINIT_SYSNR_H

struct sysnr {
  const char *name;
  long nr;
};

/* Each ends with { 0, 0 }. */
extern const struct sysnr sysnr_native[];
#ifdef __x86_64__
extern const struct sysnr sysnr_i386[];
extern const struct sysnr sysnr_x32[];
#endif

#endif
