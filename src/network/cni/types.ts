// CNI's data types (shared/specs/cni/SPEC.md): the network configuration list (section 1), the
// attachment parameters a runtime supplies (section 3), and the results and errors plugins print
// (section 5). Unknown fields are kept: the spec requires them to reach the plugin unchanged.

/** One plugin configuration object of a list (section 1, "Plugin configuration objects"). */
export interface PluginConf {
  /** The plugin binary's name in CNI_PATH. */
  type: string;
  /** Capabilities this plugin accepts in runtimeConfig (section 3, "Deriving runtimeConfig"). */
  capabilities?: Record<string, boolean>;
  /** Plugin-specific fields, passed through unchanged. */
  [key: string]: unknown;
}

/** A network configuration (section 1, "Configuration format"). */
export interface NetworkConfList {
  /** The version this list conforms to. */
  cniVersion: string;
  /** Further versions the list supports (1.1.0); the runtime picks the highest it speaks. */
  cniVersions?: string[];
  /** The network's name. */
  name: string;
  /** When true, CHECK is never called. */
  disableCheck?: boolean;
  /** The plugins, in ADD order. */
  plugins: PluginConf[];
}

/** The per-attachment parameters (section 3, "Attachment Parameters"). */
export interface RuntimeConf {
  /** CNI_CONTAINERID. */
  containerId: string;
  /** CNI_NETNS: the network namespace's path; empty for a DEL after the namespace is gone. */
  netns: string;
  /** CNI_IFNAME. */
  ifname: string;
  /** CNI_ARGS as key/value pairs. */
  args?: [string, string][];
  /** Capability arguments, keyed by capability name (CONVENTIONS.md, e.g. portMappings). */
  capabilityArgs?: Record<string, unknown>;
}

/** An interface in a result (section 5, "ADD Success"). */
export interface ResultInterface {
  /** Interface name. */
  name: string;
  /** Hardware address. */
  mac?: string;
  /** The netns path for interfaces inside the container; absent on the host. */
  sandbox?: string;
  /** Other fields, kept. */
  [key: string]: unknown;
}

/** An IP configuration in a result. */
export interface ResultIP {
  /** CIDR notation, e.g. `10.1.0.5/16`. */
  address: string;
  /** The subnet's gateway, if any. */
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  /** Other fields (0.3.x/0.4.0 `version`), kept. */
  [key: string]: unknown;
}

/** A route in a result. */
export interface ResultRoute {
  /** Destination in CIDR notation. */
  dst: string;
  /** Next hop. */
  gw?: string;
  /** Other fields, kept. */
  [key: string]: unknown;
}

/** The Success result of ADD (section 5); also what prevResult carries. */
export interface CniResult {
  /** The version the plugin answered in. */
  cniVersion: string;
  /** Interfaces created. */
  interfaces?: ResultInterface[];
  /** Addresses assigned. */
  ips?: ResultIP[];
  /** Routes created. */
  routes?: ResultRoute[];
  /** DNS information. */
  dns?: Record<string, unknown>;
  /** Other fields, kept. */
  [key: string]: unknown;
}

/** The VERSION result. */
export interface VersionResult {
  /** The version asked in. */
  cniVersion: string;
  /** Every version the plugin speaks. */
  supportedVersions: string[];
}

/** The error structure of section 5, "Error". */
export interface CniErrorBody {
  /** The protocol version. */
  cniVersion?: string;
  /** Error code: 1-99 are the spec's (1 incompatible version, 3 unknown container, 7 invalid config, 11 try again). */
  code: number;
  /** Short message. */
  msg: string;
  /** Longer description. */
  details?: string;
}

/** The operations of section 2. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';
