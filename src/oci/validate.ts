// Validates config.json before anything is created, naming the field at fault:
// `linux.namespaces[2].type: unknown namespace "foo"`. Semantics from config.md and config-linux.md.
import { invalid } from '../base/errors.js';
import { capabilityBit, NAMESPACE_FLAGS, RLIMITS, ROOTFS_PROPAGATION } from './linux.js';
import type { Spec } from './runtime-spec.js';
import { checkSeccomp } from './seccomp.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function expectObj(v: unknown, field: string, required = false): Obj | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(field, 'required');
    return undefined;
  }
  if (!isObj(v)) throw invalid(field, 'must be an object');
  return v;
}

function expectArray(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(field, 'must be an array');
  return v;
}

function expectString(v: unknown, field: string, required = false): string | undefined {
  if (v === undefined) {
    if (required) throw invalid(field, 'required');
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  return v;
}

function expectAbsolute(v: unknown, field: string, required = true): string | undefined {
  const s = expectString(v, field, required);
  if (s !== undefined && !s.startsWith('/')) throw invalid(field, `must be an absolute path, got "${s}"`);
  return s;
}

function expectUint(v: unknown, field: string, required = false): number | undefined {
  if (v === undefined) {
    if (required) throw invalid(field, 'required');
    return undefined;
  }
  if (!isUint(v)) throw invalid(field, `must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks `raw` against the runtime spec and what Berth supports; returns it typed or throws. */
export function validateSpec(raw: unknown): Spec {
  const spec = expectObj(raw, 'config', true)!;
  const version = expectString(spec.ociVersion, 'ociVersion', true)!;
  if (!/^1\.\d+\.\d+/.test(version)) throw invalid('ociVersion', `unsupported version "${version}"`);
  const root = expectObj(spec.root, 'root', true)!;
  expectString(root.path, 'root.path', true);
  if (root.readonly !== undefined && typeof root.readonly !== 'boolean')
    throw invalid('root.readonly', 'must be a boolean');

  const linux = expectObj(spec.linux, 'linux') ?? {};
  const namespaces = validateNamespaces(linux);
  validateProcess(spec.process);
  validateMounts(spec.mounts, namespaces);
  if (spec.hostname !== undefined) {
    expectString(spec.hostname, 'hostname');
    if (!namespaces.has('uts') && spec.hostname !== '')
      throw invalid('hostname', 'cannot set a hostname without a private uts namespace');
  }
  if (spec.domainname !== undefined) {
    expectString(spec.domainname, 'domainname');
    if (!namespaces.has('uts') && spec.domainname !== '')
      throw invalid('domainname', 'cannot set a domainname without a private uts namespace');
  }
  validateLinux(linux, namespaces);
  validateHooks(spec.hooks);
  const annotations = expectObj(spec.annotations, 'annotations') ?? {};
  for (const [k, v] of Object.entries(annotations)) expectString(v, `annotations["${k}"]`);
  return spec as unknown as Spec;
}

/** Returns the namespace types the container gets (created or joined). */
function validateNamespaces(linux: Obj): Set<string> {
  const seen = new Set<string>();
  expectArray(linux.namespaces, 'linux.namespaces').forEach((ns, i) => {
    const field = `linux.namespaces[${i}]`;
    const o = expectObj(ns, field, true)!;
    const type = expectString(o.type, `${field}.type`, true)!;
    if (!(type in NAMESPACE_FLAGS)) throw invalid(`${field}.type`, `unknown namespace "${type}"`);
    if (seen.has(type)) throw invalid(`${field}.type`, `duplicate namespace "${type}"`);
    seen.add(type);
    expectAbsolute(o.path, `${field}.path`, false);
  });
  if (!seen.has('mount')) throw invalid('linux.namespaces', 'a mount namespace is required');
  const userNs = expectArray(linux.namespaces, '').find((n) => (n as Obj).type === 'user') as Obj | undefined;
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const maps = expectArray(linux[key], `linux.${key}`);
    maps.forEach((m, i) => {
      const field = `linux.${key}[${i}]`;
      const o = expectObj(m, field, true)!;
      expectUint(o.containerID, `${field}.containerID`, true);
      expectUint(o.hostID, `${field}.hostID`, true);
      const size = expectUint(o.size, `${field}.size`, true)!;
      if (size === 0) throw invalid(`${field}.size`, 'must be greater than 0');
    });
    if (maps.length > 0 && !userNs) throw invalid(`linux.${key}`, 'requires a user namespace');
    if (userNs && userNs.path === undefined && maps.length === 0)
      throw invalid(`linux.${key}`, 'a new user namespace needs mappings');
  }
  return seen;
}

function validateCapList(v: unknown, field: string): void {
  expectArray(v, field).forEach((c, i) => {
    const name = expectString(c, `${field}[${i}]`, true)!;
    if (capabilityBit(name) === undefined) throw invalid(`${field}[${i}]`, `unknown capability "${name}"`);
  });
}

/** Checks a config.json `process` object (also what `exec --process` reads), naming the field at fault. */
export function validateProcess(raw: unknown): void {
  const p = expectObj(raw, 'process', true)!;
  const args = expectArray(p.args, 'process.args');
  if (args.length === 0) throw invalid('process.args', 'must not be empty');
  args.forEach((a, i) => expectString(a, `process.args[${i}]`, true));
  expectAbsolute(p.cwd, 'process.cwd');
  expectArray(p.env, 'process.env').forEach((e, i) => expectString(e, `process.env[${i}]`, true));
  const user = expectObj(p.user, 'process.user', true)!;
  expectUint(user.uid, 'process.user.uid', true);
  expectUint(user.gid, 'process.user.gid', true);
  expectUint(user.umask, 'process.user.umask');
  expectArray(user.additionalGids, 'process.user.additionalGids').forEach((g, i) =>
    expectUint(g, `process.user.additionalGids[${i}]`, true),
  );
  if (p.terminal !== undefined && typeof p.terminal !== 'boolean')
    throw invalid('process.terminal', 'must be a boolean');
  const size = expectObj(p.consoleSize, 'process.consoleSize');
  if (size) {
    expectUint(size.height, 'process.consoleSize.height', true);
    expectUint(size.width, 'process.consoleSize.width', true);
  }
  const caps = expectObj(p.capabilities, 'process.capabilities') ?? {};
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'])
    validateCapList(caps[set], `process.capabilities.${set}`);
  const seen = new Set<string>();
  expectArray(p.rlimits, 'process.rlimits').forEach((r, i) => {
    const field = `process.rlimits[${i}]`;
    const o = expectObj(r, field, true)!;
    const type = expectString(o.type, `${field}.type`, true)!;
    if (!(type in RLIMITS)) throw invalid(`${field}.type`, `unknown rlimit "${type}"`);
    if (seen.has(type)) throw invalid(`${field}.type`, `duplicate rlimit "${type}"`);
    seen.add(type);
    const soft = expectUint(o.soft, `${field}.soft`, true)!;
    const hard = expectUint(o.hard, `${field}.hard`, true)!;
    if (soft > hard) throw invalid(field, `soft limit ${soft} is above hard limit ${hard}`);
  });
  if (p.noNewPrivileges !== undefined && typeof p.noNewPrivileges !== 'boolean')
    throw invalid('process.noNewPrivileges', 'must be a boolean');
  if (p.oomScoreAdj !== undefined) {
    if (
      !Number.isInteger(p.oomScoreAdj) ||
      (p.oomScoreAdj as number) < -1000 ||
      (p.oomScoreAdj as number) > 1000
    )
      throw invalid(
        'process.oomScoreAdj',
        `must be an integer from -1000 to 1000, got ${JSON.stringify(p.oomScoreAdj)}`,
      );
  }
}

function validateMounts(raw: unknown, namespaces: Set<string>): void {
  expectArray(raw, 'mounts').forEach((m, i) => {
    const field = `mounts[${i}]`;
    const o = expectObj(m, field, true)!;
    expectAbsolute(o.destination, `${field}.destination`);
    const type = expectString(o.type, `${field}.type`);
    expectString(o.source, `${field}.source`);
    const options = expectArray(o.options, `${field}.options`);
    options.forEach((opt, j) => expectString(opt, `${field}.options[${j}]`, true));
    const bind = type === 'bind' || options.includes('bind') || options.includes('rbind');
    if (bind && !o.source) throw invalid(`${field}.source`, 'a bind mount needs a source');
    if (!bind && !type) throw invalid(`${field}.type`, 'required for a mount that is not a bind mount');
    if (type === 'mqueue' && !namespaces.has('ipc'))
      throw invalid(`${field}`, 'mounting mqueue requires a private ipc namespace');
  });
}

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

function validateLinux(linux: Obj, namespaces: Set<string>): void {
  expectString(linux.cgroupsPath, 'linux.cgroupsPath');
  expectObj(linux.resources, 'linux.resources');
  if (linux.rootfsPropagation !== undefined) {
    const p = expectString(linux.rootfsPropagation, 'linux.rootfsPropagation')!;
    if (p !== '' && !(p in ROOTFS_PROPAGATION))
      throw invalid('linux.rootfsPropagation', `unknown propagation "${p}"`);
  }
  for (const key of ['maskedPaths', 'readonlyPaths'] as const)
    expectArray(linux[key], `linux.${key}`).forEach((p, i) => expectAbsolute(p, `linux.${key}[${i}]`));
  expectArray(linux.devices, 'linux.devices').forEach((d, i) => {
    const field = `linux.devices[${i}]`;
    const o = expectObj(d, field, true)!;
    expectAbsolute(o.path, `${field}.path`);
    const type = expectString(o.type, `${field}.type`, true)!;
    if (!['c', 'b', 'u', 'p'].includes(type)) throw invalid(`${field}.type`, `unknown device type "${type}"`);
    if (type !== 'p') {
      expectUint(o.major, `${field}.major`, true);
      expectUint(o.minor, `${field}.minor`, true);
    }
    expectUint(o.fileMode, `${field}.fileMode`);
    expectUint(o.uid, `${field}.uid`);
    expectUint(o.gid, `${field}.gid`);
  });
  const sysctl = expectObj(linux.sysctl, 'linux.sysctl') ?? {};
  for (const [key, value] of Object.entries(sysctl)) {
    const field = `linux.sysctl["${key}"]`;
    expectString(value, field);
    if (key.includes('/') || key.includes('..') || key === '') throw invalid(field, 'invalid sysctl name');
    if ((IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) && !namespaces.has('ipc'))
      throw invalid(field, 'requires a private ipc namespace');
    else if (key.startsWith('net.') && !namespaces.has('network'))
      throw invalid(field, 'requires a private network namespace');
    else if ((key === 'kernel.hostname' || key === 'kernel.domainname') && !namespaces.has('uts'))
      throw invalid(field, 'requires a private uts namespace');
    else if (!IPC_SYSCTLS.has(key) && !/^(fs\.mqueue|net|kernel\.(hostname|domainname))\./.test(key + '.'))
      throw invalid(field, 'not namespaced: cannot be set for a container');
  }
  // The whole profile is checked here, so a bad one fails `create` before anything exists.
  if (linux.seccomp !== undefined && linux.seccomp !== null) checkSeccomp(linux.seccomp);
}

const HOOK_KINDS = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
];

function validateHooks(raw: unknown): void {
  const hooks = expectObj(raw, 'hooks');
  if (!hooks) return;
  for (const kind of HOOK_KINDS) {
    expectArray(hooks[kind], `hooks.${kind}`).forEach((h, i) => {
      const field = `hooks.${kind}[${i}]`;
      const o = expectObj(h, field, true)!;
      expectAbsolute(o.path, `${field}.path`);
      expectArray(o.args, `${field}.args`).forEach((a, j) => expectString(a, `${field}.args[${j}]`, true));
      expectArray(o.env, `${field}.env`).forEach((a, j) => expectString(a, `${field}.env[${j}]`, true));
      if (o.timeout !== undefined && (!Number.isInteger(o.timeout) || (o.timeout as number) <= 0))
        throw invalid(`${field}.timeout`, 'must be a positive integer');
    });
  }
}
