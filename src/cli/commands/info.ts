// `berth info`: the daemon's /info laid out as `docker info` prints it.
import { VERSION } from '../../runtime/version.js';
import type { Command } from '../command.js';
import { bytesSize } from '../../base/human-units.js';

interface Info {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][] | null;
  DockerRootDir: string;
  Plugins: { Volume: string[] | null; Network: string[] | null; Log: string[] | null };
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Name: string;
  ServerVersion: string;
  Runtimes: Record<string, unknown>;
  DefaultRuntime: string;
  SecurityOptions: string[];
  Debug: boolean;
  ExperimentalBuild: boolean;
  LiveRestoreEnabled: boolean;
  RegistryConfig: { InsecureRegistryCIDRs: string[]; Mirrors: string[] | null };
  Warnings: string[] | null;
}

/** `berth info`. */
export const info: Command = {
  name: 'info',
  usage: 'berth info [OPTIONS]',
  summary: 'Display system-wide information',
  flags: [],
  args: { min: 0, max: 0 },
  async run(cli) {
    const i = await cli.client.json<Info>('/info');
    const lines = ['Client:', ` Version:    ${VERSION}`, ' Debug Mode: false', '', 'Server:'];
    lines.push(
      ` Containers: ${i.Containers}`,
      `  Running: ${i.ContainersRunning}`,
      `  Paused: ${i.ContainersPaused}`,
      `  Stopped: ${i.ContainersStopped}`,
      ` Images: ${i.Images}`,
      ` Server Version: ${i.ServerVersion}`,
      ` Storage Driver: ${i.Driver}`,
      ...(i.DriverStatus ?? []).map(([k, v]) => `  ${k}: ${v}`),
      ` Logging Driver: ${i.LoggingDriver}`,
      ` Cgroup Driver: ${i.CgroupDriver}`,
      ` Cgroup Version: ${i.CgroupVersion}`,
      ' Plugins:',
      `  Volume: ${(i.Plugins.Volume ?? []).join(' ')}`,
      `  Network: ${(i.Plugins.Network ?? []).join(' ')}`,
      `  Log: ${(i.Plugins.Log ?? []).join(' ')}`,
      ` Runtimes: ${Object.keys(i.Runtimes).sort().join(' ')}`,
      ` Default Runtime: ${i.DefaultRuntime}`,
      ' Security Options:',
    );
    for (const opt of i.SecurityOptions) {
      const fields = new Map(opt.split(',').map((kv) => kv.split('=') as [string, string]));
      lines.push(`  ${fields.get('name') ?? opt}`);
      for (const [k, v] of fields)
        if (k !== 'name') lines.push(`   ${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`);
    }
    lines.push(
      ` Kernel Version: ${i.KernelVersion}`,
      ` Operating System: ${i.OperatingSystem}`,
      ` OSType: ${i.OSType}`,
      ` Architecture: ${i.Architecture}`,
      ` CPUs: ${i.NCPU}`,
      ` Total Memory: ${bytesSize(i.MemTotal)}`,
      ` Name: ${i.Name}`,
      ` ID: ${i.ID}`,
      ` Docker Root Dir: ${i.DockerRootDir}`,
      ` Debug Mode: ${i.Debug}`,
      ` Experimental: ${i.ExperimentalBuild}`,
      ' Insecure Registries:',
      ...i.RegistryConfig.InsecureRegistryCIDRs.map((r) => `  ${r}`),
    );
    if (i.RegistryConfig.Mirrors?.length)
      lines.push(' Registry Mirrors:', ...i.RegistryConfig.Mirrors.map((m) => `  ${m}`));
    lines.push(` Live Restore Enabled: ${i.LiveRestoreEnabled}`, '');
    cli.out(lines.join('\n') + '\n');
    for (const w of i.Warnings ?? []) cli.err(`WARNING: ${w}\n`);
    return 0;
  },
};
