// A private berthd for the CRI end-to-end tests, restartable on the same data and exec roots (a SIGKILL
// and a new start is what a crashed daemon goes through), with a CriClient on its <state>/cri.sock.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../../src/cri/client.js';
import { POD_NETWORK } from '../../src/cri/pods/pod-network.js';
import { NetworkManager } from '../../src/network/index.js';
import { BERTHD } from '../integration/daemon/harness.js';
import { runtimeEnv } from '../integration/runtime/harness.js';

/** A berthd whose CRI socket the tests drive. */
export class CriDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'bcrid-'));
  readonly root = join(this.dir, 'root');
  readonly state = join(this.dir, 'run');
  readonly criSocket = join(this.state, 'cri.sock');
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  client!: CriClient;

  constructor(private readonly config: object) {
    // No Docker-side default bridge (daemon/harness.ts says why): it would outlive the test, as docker0 does.
    writeFileSync(join(this.dir, 'daemon.json'), JSON.stringify({ bridge: 'none', ...config }));
  }

  /** The daemon's pid. */
  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** What it logged. */
  log(): string {
    return this.stderr;
  }

  /** Starts berthd and waits until its CRI socket answers Version. */
  async start(): Promise<void> {
    const child = spawn(
      BERTHD,
      [
        '--data-root',
        this.root,
        '--exec-root',
        this.state,
        '-H',
        `unix://${join(this.state, 'berth.sock')}`,
        '-p',
        join(this.state, 'berthd.pid'),
        '--config-file',
        join(this.dir, 'daemon.json'),
      ],
      { env: runtimeEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`berthd exited with ${child.exitCode}: ${this.stderr}`);
      if (existsSync(this.criSocket)) {
        const client = new CriClient(this.criSocket);
        try {
          await client.call('runtime', 'Version', {}, 2000);
          this.client = client;
          return;
        } catch {
          client.close();
        }
      }
      if (i > 300) throw new Error(`berthd's CRI socket did not answer within 15 s: ${this.stderr}`);
      await sleep(50);
    }
  }

  /** Kills berthd by its pid with `signal` and waits for it to be gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    this.client?.close();
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Stops berthd (SIGTERM), removes the pod network it made, then every file. */
  async cleanup(): Promise<void> {
    await this.kill('SIGTERM');
    const m = await NetworkManager.open({
      root: join(this.root, 'cri'),
      state: join(this.state, 'cri'),
      defaultBridge: false,
    });
    try {
      if (m.listNetworks().some((n) => n.name === POD_NETWORK)) await m.removeNetwork(POD_NETWORK);
    } finally {
      await m.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
