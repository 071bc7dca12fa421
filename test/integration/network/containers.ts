// busybox containers run by the real berth-runtime inside a sandbox's network namespace (joined by path,
// as berthd will hand it over), with the /etc/resolv.conf and /etc/hosts a daemon would write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Bundle, TestRuntime, TEST_CGROUP_PARENT, uniqueId, type Result } from '../runtime/harness.js';

/** What goes into the container's /etc. */
export interface EtcFiles {
  /** /etc/resolv.conf text. */
  resolvConf?: string;
  /** /etc/hosts text. */
  hosts?: string;
  /** More files, by path inside the rootfs (parents are made). */
  files?: Record<string, string>;
}

/** berth-runtime containers in network namespaces; `cleanup()` deletes them and their bundles. */
export class NetnsContainers {
  readonly rt = new TestRuntime();
  private readonly bundles: Bundle[] = [];

  private async bundle(netns: string, args: string[], etc: EtcFiles, id: string): Promise<Bundle> {
    const b = await Bundle.create(args);
    this.bundles.push(b);
    b.spec.linux!.namespaces = b.spec.linux!.namespaces!.map((n) =>
      n.type === 'network' ? { type: 'network', path: netns } : n,
    );
    // docker's default set has CAP_NET_RAW (busybox ping needs it); runc's starter spec does not.
    const caps = b.spec.process!.capabilities!;
    for (const set of ['bounding', 'effective', 'permitted'] as const)
      caps[set] = [...(caps[set] ?? []), 'CAP_NET_RAW'];
    b.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
    writeFileSync(join(b.rootfs, 'etc', 'resolv.conf'), etc.resolvConf ?? '');
    writeFileSync(join(b.rootfs, 'etc', 'hosts'), etc.hosts ?? '127.0.0.1\tlocalhost\n');
    for (const [path, text] of Object.entries(etc.files ?? {})) {
      mkdirSync(dirname(join(b.rootfs, path)), { recursive: true });
      writeFileSync(join(b.rootfs, path), text);
    }
    b.write();
    return b;
  }

  /** Runs `args` to completion in a container joined to `netns`. */
  async run(netns: string, args: string[], etc: EtcFiles = {}): Promise<Result> {
    const id = uniqueId('net');
    const b = await this.bundle(netns, args, etc, id);
    return this.rt.run(['run', '--bundle', b.dir, id], { timeoutMs: 60_000 });
  }

  /** Starts `args` detached in a container joined to `netns`; returns its id and pid. */
  async start(netns: string, args: string[], etc: EtcFiles = {}): Promise<{ id: string; pid: number }> {
    const id = uniqueId('net');
    const b = await this.bundle(netns, args, etc, id);
    const r = await this.rt.runDetached(['run', '-d', '--bundle', b.dir, id]);
    if (r.code !== 0) throw new Error(`run -d ${id}: ${r.stderr}`);
    return { id, pid: (await this.rt.state(id)).pid };
  }

  /** Force-deletes a container. */
  async remove(id: string): Promise<void> {
    await this.rt.run(['delete', '--force', id]);
  }

  /** Deletes every container and bundle. */
  async cleanup(): Promise<void> {
    await this.rt.cleanup();
    for (const b of this.bundles) b.remove();
  }
}
