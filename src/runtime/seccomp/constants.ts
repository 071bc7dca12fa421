// What only the compiler decides. The kernel's seccomp return values and flags and the OCI names that select
// them live with the OCI types (src/oci/seccomp.ts), which config validation shares.
import { SECCOMP_RET } from '../../oci/seccomp.js';

/**
 * The action for an architecture the filter does not list: libseccomp's default SCMP_FLTATR_ACT_BADARCH,
 * SCMP_ACT_KILL (db.c _db_reset), which is KILL_THREAD. runc and crun never change it; neither do we, so a
 * foreign-ABI syscall in one thread of a multi-threaded program ends that thread alone under all three.
 */
export const BAD_ARCH_RET: number = SECCOMP_RET.KILL_THREAD;
