// Running one CNI plugin binary (SPEC.md section 2, "Execution Protocol"): parameters in CNI_* variables,
// the request configuration on stdin, a result on stdout and exit 0, or an error structure and a non-zero
// exit. The plugin runs in this process's network namespace, as the spec requires of the runtime.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, type Code } from '../../base/errors.js';
import { runProgram } from '../../base/run-program.js';
import type { CniCommand, CniErrorBody } from './types.js';

/** Debian's containernetworking-plugins install here. */
export const DEFAULT_CNI_PATH = ['/usr/lib/cni'];

/** How long a plugin may run before it is killed (bridge ADD takes ~20 ms; iptables may wait on its lock). */
const PLUGIN_TIMEOUT_MS = 120_000;

/** The environment parameters of one invocation (section 2, "Parameters"). */
export interface PluginEnv {
  /** CNI_COMMAND. */
  command: CniCommand;
  /** CNI_CONTAINERID (absent for VERSION). */
  containerId?: string;
  /** CNI_NETNS. */
  netns?: string;
  /** CNI_IFNAME. */
  ifname?: string;
  /** CNI_ARGS, already formatted. */
  args?: string;
}

/** A plugin's failure, with the structured error it printed when it printed one. */
export class CniPluginError extends BerthError {
  constructor(
    code: Code,
    message: string,
    /** The plugin's `type`. */
    readonly plugin: string,
    /** The spec's error structure, when the plugin printed one. */
    readonly body?: CniErrorBody,
  ) {
    super(code, message);
    this.name = 'CniPluginError';
  }
}

/** Finds and runs plugin binaries from a CNI_PATH list. */
export class PluginExecutor {
  constructor(readonly paths: readonly string[] = DEFAULT_CNI_PATH) {}

  /** The executable for a plugin `type`: the first match in the path list (section 3, step 1). */
  find(type: string): string {
    for (const dir of this.paths) {
      const file = join(dir, type);
      try {
        if (statSync(file).isFile()) {
          accessSync(file, constants.X_OK);
          return file;
        }
      } catch {
        // not in this directory
      }
    }
    throw new BerthError(
      'FailedPrecondition',
      `cni plugin "${type}": not found in ${this.paths.map((p) => `"${p}"`).join(', ')}`,
    );
  }

  /**
   * Runs plugin `type` with `stdin` (JSON text) and returns the parsed stdout (undefined when empty, as for
   * DEL and CHECK). A non-zero exit throws a CniPluginError naming the plugin, its msg and details.
   */
  async run(type: string, env: PluginEnv, stdin: string): Promise<unknown> {
    const file = this.find(type);
    const { code, stdout, stderr } = await runProcess(file, pluginEnvironment(env, this.paths), stdin);
    const context = `cni plugin "${type}" ${env.command}${env.containerId ? ` (container "${env.containerId}"${env.ifname ? `, ${env.ifname}` : ''})` : ''}`;
    if (code !== 0) throw pluginError(type, context, code, stdout, stderr);
    const text = stdout.trim();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new CniPluginError('Internal', `${context}: output is not JSON: "${text.slice(0, 200)}"`, type);
    }
  }
}

/** The plugin's environment: ours without stray CNI_* variables, plus the invocation's parameters. */
function pluginEnvironment(env: PluginEnv, paths: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CNI_')) out[k] = v;
  // Plugins exec iptables and modprobe by name: make sure the sbin directories are searched.
  out.PATH = [out.PATH, '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).join(':');
  out.CNI_COMMAND = env.command;
  out.CNI_PATH = paths.join(':');
  if (env.containerId !== undefined) out.CNI_CONTAINERID = env.containerId;
  if (env.netns !== undefined) out.CNI_NETNS = env.netns;
  if (env.ifname !== undefined) out.CNI_IFNAME = env.ifname;
  if (env.args) out.CNI_ARGS = env.args;
  return out;
}

// The spec's well-known codes (section 5, "Error") mapped onto Berth's taxonomy.
function codeOf(cniCode: number | undefined): Code {
  switch (cniCode) {
    case 1:
    case 2:
    case 4:
    case 6:
    case 7:
      return 'InvalidArgument';
    case 3:
      return 'NotFound';
    case 11:
      return 'Unavailable';
    default:
      return 'Internal';
  }
}

function pluginError(
  type: string,
  context: string,
  exit: number,
  stdout: string,
  stderr: string,
): CniPluginError {
  let body: CniErrorBody | undefined;
  try {
    const parsed = JSON.parse(stdout) as Partial<CniErrorBody>;
    if (parsed && typeof parsed.msg === 'string') body = parsed as CniErrorBody;
  } catch {
    // not the error structure: fall back to what it said on stderr
  }
  if (body) {
    const detail = body.details && body.details !== body.msg ? `: ${body.details}` : '';
    return new CniPluginError(codeOf(body.code), `${context}: ${body.msg}${detail}`, type, body);
  }
  const said = (stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' ') || `exit status ${exit}`;
  return new CniPluginError('Internal', `${context}: ${said}`, type);
}

async function runProcess(
  file: string,
  env: NodeJS.ProcessEnv,
  stdin: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runProgram(file, [], { env, input: stdin, timeoutMs: PLUGIN_TIMEOUT_MS });
  return { ...r, stderr: r.timedOut ? `${r.stderr}killed by SIGKILL` : r.stderr };
}
