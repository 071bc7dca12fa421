// Serialises a plan into the length-prefixed binary form that native/init reads (native/init/PLAN.md).
import { OP_CODES, type Step } from './ops.js';

/** Grows a buffer of little-endian fields. */
class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
  }
  bytes(b: Buffer): void {
    this.reserve(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.bytes(b);
    this.reserve(1);
    this.buf[this.len++] = 0;
  }
  strlist(list: readonly string[]): void {
    this.u32(list.length);
    for (const s of list) this.str(s);
  }
  /** Patches a u32 already written at `at`. */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }
  get offset(): number {
    return this.len;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Encodes `steps` as a plan buffer for berth-init. */
export function encodePlan(steps: readonly Step[]): Buffer {
  const w = new Writer();
  w.bytes(Buffer.from('BPLN'));
  w.u32(1);
  for (const step of steps) {
    w.u16(OP_CODES[step.op]);
    w.u16(0);
    const lenAt = w.offset;
    w.u32(0);
    encodePayload(w, step);
    w.patchU32(lenAt, w.offset - lenAt - 4);
  }
  return w.done();
}

function encodePayload(w: Writer, s: Step): void {
  switch (s.op) {
    case 'CLONE':
    case 'UNSHARE':
      return w.u64(s.flags);
    case 'JOIN_NS':
      w.u32(s.nstype);
      return w.str(s.path);
    case 'UID_MAP':
    case 'GID_MAP':
      return w.str(s.content);
    case 'CGROUP_V1':
    case 'CGROUP_V2':
    case 'FIFO_DIR':
    case 'CONSOLE_SOCKET':
    case 'MASK':
    case 'READONLY':
    case 'CWD':
      return w.str(s.path);
    case 'PROCESS':
      w.strlist(s.argv);
      w.strlist(s.env);
      return w.u32(s.preserveFds);
    case 'HOSTNAME':
    case 'DOMAINNAME':
      return w.str(s.name);
    case 'OOM_SCORE_ADJ':
      return w.i32(s.value);
    case 'ROOTFS':
      w.str(s.hostPath);
      return w.u64(s.rootPropagation);
    case 'MOUNT':
      w.str(s.source);
      w.str(s.dest);
      w.str(s.fstype);
      w.u64(s.flags);
      w.str(s.data);
      w.u32(s.kind);
      return w.u64(s.propagation);
    case 'MKDIR':
      w.str(s.path);
      return w.u32(s.mode);
    case 'SYMLINK':
      w.str(s.target);
      return w.str(s.path);
    case 'MKNOD':
      w.str(s.path);
      w.u32(s.mode);
      w.u64(s.dev);
      w.u32(s.uid);
      return w.u32(s.gid);
    case 'PIVOT':
      return w.u32(s.noPivot ? 1 : 0);
    case 'PROPAGATE':
    case 'REMOUNT':
      w.str(s.path);
      return w.u64(s.flags);
    case 'SYSCTL':
      w.str(s.key);
      return w.str(s.value);
    case 'TERMINAL':
      w.u32(s.rows);
      return w.u32(s.cols);
    case 'RLIMIT':
      w.u32(s.resource);
      w.u64(s.soft);
      return w.u64(s.hard);
    case 'CREDS':
      w.u32(s.uid);
      w.u32(s.gid);
      w.u32(s.groups.length);
      for (const g of s.groups) w.u32(g);
      w.u64(s.bounding);
      w.u64(s.effective);
      w.u64(s.permitted);
      w.u64(s.inheritable);
      return w.u64(s.ambient);
    case 'UMASK':
      return w.u32(s.mask);
    case 'SECCOMP':
      w.u32(s.flags);
      w.u32(s.filter.length / 8);
      return w.bytes(s.filter);
    case 'RUNTIME_HOOK':
    case 'HOOK':
      w.str(s.label);
      w.str(s.path);
      w.strlist(s.args);
      w.strlist(s.env);
      w.u32(s.timeout);
      w.str(s.cwd);
      w.str(s.stateHead);
      return w.str(s.stateTail);
    case 'RUNTIME_HOOKS':
    case 'NO_NEW_PRIVS':
    case 'LOOKUP':
    case 'READY':
    case 'FIFO_WAIT':
    case 'EXEC':
      return;
  }
}
