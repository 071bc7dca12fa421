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

/** Mount (a bind mount of a host path; image volumes are refused). */
export interface CriMount {
  container_path: string;
  host_path: string;
  readonly?: boolean;
  selinux_relabel?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
  image?: { image?: string } | null;
}

/** LinuxContainerResources (int64 fields as decimal strings). */
export interface CriResources {
  cpu_period?: string;
  cpu_quota?: string;
  cpu_shares?: string;
  memory_limit_in_bytes?: string;
  oom_score_adj?: string;
  cpuset_cpus?: string;
  cpuset_mems?: string;
  memory_swap_limit_in_bytes?: string;
  hugepage_limits?: { page_size: string; limit: string }[];
  unified?: Record<string, string>;
}

/** LinuxContainerSecurityContext. */
export interface CriContainerSecurity {
  capabilities?: { add_capabilities?: string[]; drop_capabilities?: string[] } | null;
  privileged?: boolean;
  namespace_options?: NamespaceOption | null;
  run_as_user?: Int64Value | null;
  run_as_group?: Int64Value | null;
  run_as_username?: string;
  readonly_rootfs?: boolean;
  supplemental_groups?: string[];
  no_new_privs?: boolean;
  masked_paths?: string[];
  readonly_paths?: string[];
  seccomp?: SecurityProfile | null;
}

/** ContainerConfig. */
export interface CriContainerConfig {
  metadata?: { name: string; attempt: number } | null;
  image?: { image: string } | null;
  command?: string[];
  args?: string[];
  working_dir?: string;
  /** KeyValue.value is `bytes` in this proto version. */
  envs?: { key: string; value: Buffer | string }[];
  mounts?: CriMount[];
  devices?: { container_path: string; host_path: string; permissions: string }[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  linux?: { resources?: CriResources | null; security_context?: CriContainerSecurity | null } | null;
  /** A Signal enum name; RUNTIME_DEFAULT (or absent) leaves it to the image. */
  stop_signal?: string;
}
