// `berth version`: the client's and the daemon's versions, laid out as `docker version` prints them.
import { arch } from 'node:os';
import { VERSION } from '../../runtime/version.js';
import type { Command } from '../command.js';

interface ServerVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  Experimental?: boolean;
  Platform?: { Name: string };
}

const CLIENT_API = '1.55';

function goArch(): string {
  return arch() === 'x64' ? 'amd64' : arch();
}

/** `berth version`. */
export const version: Command = {
  name: 'version',
  usage: 'berth version [OPTIONS]',
  summary: 'Show the Berth version information',
  flags: [],
  args: { min: 0, max: 0 },
  async run(cli) {
    const client = [
      'Client:',
      ` Version:           ${VERSION}`,
      ` API version:       ${CLIENT_API}`,
      ` Node version:      ${process.version}`,
      ` OS/Arch:           linux/${goArch()}`,
      '',
    ].join('\n');
    cli.out(client + '\n');
    const server = await cli.client.json<ServerVersion>('/version');
    cli.out(
      [
        `Server: ${server.Platform?.Name ?? 'Berth'}`,
        ' Engine:',
        `  Version:          ${server.Version}`,
        `  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})`,
        `  Node version:     ${server.GoVersion}`,
        `  OS/Arch:          ${server.Os}/${server.Arch}`,
        `  Experimental:     ${server.Experimental === true}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
