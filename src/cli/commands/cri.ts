// `berth cri pods|ps|images`: what kubelet sees, read over the CRI socket (crictl's tables). The only
// CLI commands that do not speak the Docker API: they are for debugging the CRI side of berthd.
import { BerthError } from '../../base/errors.js';
import type { Flag } from '../../base/flags.js';
import { humanDuration, humanSize } from '../../base/human-units.js';
import { tabwrite } from '../../base/tabwriter.js';
import type { CliContext, Command } from '../command.js';

/** The CRI socket berthd listens on by default (<state>/cri.sock). */
export const DEFAULT_CRI_SOCKET = '/run/berth/cri.sock';

const FLAGS: Flag[] = [
  {
    name: 'cri-socket',
    kind: 'string',
    usage: `CRI socket to connect to (default $BERTH_CRI_SOCKET or ${DEFAULT_CRI_SOCKET})`,
  },
];

type Row = Record<string, unknown>;

/** One unary call on the socket the flags name; a failed call is a BerthError naming the socket. */
async function criCall(
  flags: Record<string, unknown>,
  service: 'runtime' | 'image',
  method: string,
): Promise<Row> {
  const socket =
    (flags['cri-socket'] as string | undefined) ?? process.env.BERTH_CRI_SOCKET ?? DEFAULT_CRI_SOCKET;
  // Loaded here: other commands never load grpc-js.
  const { CriClient, CriCallError } = await import('../../cri/client.js');
  const client = new CriClient(socket);
  try {
    return await client.call(service, method, {}, 10_000);
  } catch (err) {
    if (err instanceof CriCallError)
      throw new BerthError('Unavailable', `cri socket "${socket}": ${err.message}`);
    throw err;
  } finally {
    client.close();
  }
}

function ago(nanos: unknown): string {
  const ms = Number(BigInt(String(nanos ?? '0')) / 1_000_000n);
  return ms ? `${humanDuration(Date.now() - ms)} ago` : '';
}

function table(cli: CliContext, header: string[], rows: string[][]): number {
  cli.out(
    tabwrite([header, ...rows].map((r) => r.join('\t') + '\t').join('\n') + '\n', 0, 3).replace(/ +$/gm, ''),
  );
  return 0;
}

const md = (r: Row): Row => (r.metadata ?? {}) as Row;

/** `berth cri pods`. */
export const criPods: Command = {
  name: 'cri pods',
  usage: 'berth cri pods [OPTIONS]',
  summary: 'List the pod sandboxes kubelet sees',
  flags: FLAGS,
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const { items } = (await criCall(flags, 'runtime', 'ListPodSandbox')) as { items: Row[] };
    return table(
      cli,
      ['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME'],
      items.map((p) => [
        String(p.id).slice(0, 13),
        ago(p.created_at),
        String(p.state).replace('SANDBOX_', ''),
        String(md(p).name),
        String(md(p).namespace),
        String(md(p).attempt),
        String(p.runtime_handler || '(default)'),
      ]),
    );
  },
};

/** `berth cri ps`. */
export const criPs: Command = {
  name: 'cri ps',
  usage: 'berth cri ps [OPTIONS]',
  summary: 'List the containers kubelet sees',
  flags: FLAGS,
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const { containers } = (await criCall(flags, 'runtime', 'ListContainers')) as { containers: Row[] };
    return table(
      cli,
      ['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID'],
      containers.map((c) => [
        String(c.id).slice(0, 13),
        String(c.image_ref)
          .replace(/^sha256:/, '')
          .slice(0, 13),
        ago(c.created_at),
        String(c.state).replace('CONTAINER_', ''),
        String(md(c).name),
        String(md(c).attempt),
        String(c.pod_sandbox_id).slice(0, 13),
      ]),
    );
  },
};

/** `berth cri images`. */
export const criImages: Command = {
  name: 'cri images',
  usage: 'berth cri images [OPTIONS]',
  summary: 'List the images of the CRI namespace (k8s.io)',
  flags: FLAGS,
  args: { min: 0, max: 0 },
  async run(cli, flags) {
    const { images } = (await criCall(flags, 'image', 'ListImages')) as { images: Row[] };
    const rows: string[][] = [];
    for (const i of images) {
      const tags = (i.repo_tags as string[]).length ? (i.repo_tags as string[]) : ['<none>:<none>'];
      for (const t of tags) {
        const at = t.lastIndexOf(':');
        rows.push([
          t.slice(0, at),
          t.slice(at + 1),
          String(i.id)
            .replace(/^sha256:/, '')
            .slice(0, 13),
          humanSize(Number(i.size)),
        ]);
      }
    }
    return table(cli, ['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], rows);
  },
};
