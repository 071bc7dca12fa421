// Executing a network configuration list on one attachment (SPEC.md section 3): ADD runs the plugins in
// order, each with the previous plugin's result; DEL runs them in reverse with the final ADD result;
// CHECK runs them in order with it. VERSION probes what each plugin speaks, once per binary.
import { BerthError, messageOf } from '../../base/errors.js';
import { PluginExecutor } from './exec.js';
import {
  compareVersions,
  formatCniArgs,
  requestConfig,
  selectVersion,
  validateAttachment,
  validateConfList,
} from './request.js';
import type { CniResult, NetworkConfList, RuntimeConf, VersionResult } from './types.js';

/** The outcome of ADD: the final result, to be stored for DEL and CHECK, and the version used. */
export interface AddOutcome {
  /** The last plugin's result. */
  result: CniResult;
  /** The protocol version the chain ran with; DEL and CHECK must use the same. */
  cniVersion: string;
}

/** Runs configuration lists with the plugins of one executor. */
export class CniRunner {
  private readonly supported = new Map<string, Promise<string[]>>();

  constructor(readonly executor: PluginExecutor = new PluginExecutor()) {}

  /** VERSION of plugin `type` (section 2): the versions it supports. */
  async version(type: string, cniVersion = '1.0.0'): Promise<VersionResult> {
    const out = (await this.executor.run(type, { command: 'VERSION' }, JSON.stringify({ cniVersion }))) as
      VersionResult | undefined;
    if (!out || !Array.isArray(out.supportedVersions))
      throw new BerthError('Internal', `cni plugin "${type}" VERSION: no supportedVersions in its answer`);
    return out;
  }

  /** The version a list runs with, considering what its plugins support (probed once per plugin type). */
  async versionFor(list: NetworkConfList): Promise<string> {
    validateConfList(list);
    const types = [...new Set(list.plugins.map((p) => p.type))];
    const supported = await Promise.all(types.map((t) => this.supportedBy(t)));
    return selectVersion(list, supported);
  }

  /**
   * ADD (section 3, "Adding an attachment"): halts at the first failing plugin and throws its error. The
   * caller must still DEL afterwards (section 3, "Lifecycle & Ordering": a delete follows a failed add).
   */
  async add(list: NetworkConfList, rt: RuntimeConf): Promise<AddOutcome> {
    validateAttachment(rt.containerId, rt.ifname);
    const cniVersion = await this.versionFor(list);
    let prevResult: CniResult | undefined;
    for (const plugin of list.plugins) {
      const stdin = requestConfig(list, plugin, {
        cniVersion,
        capabilityArgs: rt.capabilityArgs,
        prevResult,
      });
      const out = await this.executor.run(plugin.type, this.env('ADD', rt), JSON.stringify(stdin));
      if (!out || typeof out !== 'object')
        throw new BerthError('Internal', `cni plugin "${plugin.type}" ADD: printed no result`);
      prevResult = out as CniResult;
    }
    return { result: prevResult!, cniVersion };
  }

  /**
   * DEL (section 3, "Deleting an attachment"), in reverse order with the final ADD result. Tolerant: a
   * failing plugin does not stop the others from releasing what they hold (leases, iptables rules); the
   * failures are thrown together at the end. Plugins accept repeated DELs (section 2), so a retry is safe.
   */
  async del(
    list: NetworkConfList,
    rt: RuntimeConf,
    opts: { cniVersion?: string; prevResult?: CniResult } = {},
  ): Promise<void> {
    validateAttachment(rt.containerId, rt.ifname);
    const cniVersion = opts.cniVersion ?? (await this.versionFor(list));
    const failures: string[] = [];
    for (const plugin of [...list.plugins].reverse()) {
      const stdin = requestConfig(list, plugin, {
        cniVersion,
        capabilityArgs: rt.capabilityArgs,
        prevResult: opts.prevResult,
      });
      try {
        await this.executor.run(plugin.type, this.env('DEL', rt), JSON.stringify(stdin));
      } catch (err) {
        failures.push(messageOf(err));
      }
    }
    if (failures.length) throw new BerthError('Internal', failures.join('; '));
  }

  /**
   * CHECK (section 3, "Checking an attachment"): every plugin in order with the final ADD result; the
   * first failure is thrown. Skipped when the list sets disableCheck or runs a version before 0.4.0,
   * which has no CHECK.
   */
  async check(
    list: NetworkConfList,
    rt: RuntimeConf,
    opts: { cniVersion: string; prevResult: CniResult },
  ): Promise<void> {
    validateAttachment(rt.containerId, rt.ifname);
    if (list.disableCheck || compareVersions(opts.cniVersion, '0.4.0') < 0) return;
    for (const plugin of list.plugins) {
      const stdin = requestConfig(list, plugin, {
        cniVersion: opts.cniVersion,
        capabilityArgs: rt.capabilityArgs,
        prevResult: opts.prevResult,
      });
      await this.executor.run(plugin.type, this.env('CHECK', rt), JSON.stringify(stdin));
    }
  }

  private env(command: 'ADD' | 'DEL' | 'CHECK', rt: RuntimeConf) {
    return {
      command,
      containerId: rt.containerId,
      netns: rt.netns,
      ifname: rt.ifname,
      args: formatCniArgs(rt.args),
    };
  }

  private supportedBy(type: string): Promise<string[]> {
    let p = this.supported.get(type);
    if (!p) {
      p = this.version(type).then((v) => v.supportedVersions);
      // A failed probe is not remembered: the next call asks again.
      p.catch(() => this.supported.delete(type));
      this.supported.set(type, p);
    }
    return p;
  }
}
