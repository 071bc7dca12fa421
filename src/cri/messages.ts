// TypeScript shapes of the CRI messages Berth reads and writes (api/cri/v1/api.proto), as proto.ts decodes
// them: snake_case names, enums as names, int64 as decimal strings, absent sub-messages as null.
// Only the fields Berth uses are typed; the rest pass through untouched.

/** NamespaceMode. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

/** NamespaceOption. */
export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}

/** Int64Value (a wrapper that tells unset from zero). */
export interface Int64Value {
  value: string;
}

/** SecurityProfile. */
export interface SecurityProfile {
  profile_type?: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhost_ref?: string;
}

/** PodSandboxMetadata. */
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

/** PortMapping. */
export interface CriPortMapping {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  container_port: number;
  host_port: number;
  host_ip?: string;
}

/** DNSConfig. */
export interface DnsConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/** LinuxSandboxSecurityContext. */
export interface LinuxSandboxSecurityContext {
  namespace_options?: NamespaceOption | null;
  run_as_user?: Int64Value | null;
  run_as_group?: Int64Value | null;
  readonly_rootfs?: boolean;
  supplemental_groups?: string[];
  privileged?: boolean;
  seccomp?: SecurityProfile | null;
}

/** PodSandboxConfig. */
export interface PodSandboxConfig {
  metadata?: PodSandboxMetadata | null;
  hostname?: string;
  log_directory?: string;
  dns_config?: DnsConfig | null;
  port_mappings?: CriPortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroup_parent?: string;
    security_context?: LinuxSandboxSecurityContext | null;
    sysctls?: Record<string, string>;
  } | null;
}

/** PodSandboxState. */
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** PodSandboxFilter. */
export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState } | null;
  label_selector?: Record<string, string>;
}

/** A request naming one pod sandbox. */
export interface PodSandboxIdRequest {
  pod_sandbox_id: string;
  verbose?: boolean;
}
