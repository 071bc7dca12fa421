// The metadata schema as a list of migrations, applied in order, each in its own transaction, and
// recorded in schema_migrations. SCHEMA.md beside this file describes the resulting tables; change both
// in the same commit. Never edit a migration that has shipped: add a new one.

/** One step of the schema. */
export interface Migration {
  /** 1, 2, 3, ...: the schema version after this step. */
  version: number;
  /** What the step is for. */
  name: string;
  /** The SQL, run with exec() inside the step's transaction. */
  sql: string;
}

/** Labels, JSON objects and times are TEXT: JSON objects of strings, and RFC 3339 UTC with milliseconds. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'namespaces, content, images, snapshots, leases (issue 5)',
    sql: `
CREATE TABLE namespaces (
  name TEXT PRIMARY KEY,
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE TABLE content (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace, digest)
);
CREATE INDEX content_by_digest ON content(digest);
CREATE TABLE images (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  name TEXT NOT NULL,
  target_media_type TEXT NOT NULL,
  target_digest TEXT NOT NULL,
  target_size INTEGER NOT NULL,
  target_annotations TEXT NOT NULL DEFAULT '{}',
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE INDEX images_by_target ON images(namespace, target_digest);
CREATE TABLE snapshots (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  snapshotter TEXT NOT NULL,
  key TEXT NOT NULL,
  backend_key TEXT NOT NULL,
  parent TEXT,
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace, snapshotter, key),
  UNIQUE (snapshotter, backend_key)
);
CREATE TABLE leases (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  id TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  expires_at TEXT,
  PRIMARY KEY (namespace, id)
);
CREATE TABLE lease_resources (
  namespace TEXT NOT NULL,
  lease_id TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (namespace, lease_id, type, id),
  FOREIGN KEY (namespace, lease_id) REFERENCES leases(namespace, id) ON DELETE CASCADE
);
`,
  },
  {
    version: 2,
    name: 'containers and pod sandboxes (issues 6 and 8)',
    sql: `
CREATE TABLE sandboxes (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  pod_namespace TEXT NOT NULL DEFAULT '',
  pod_uid TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'notready' CHECK (state IN ('ready', 'notready')),
  runtime_handler TEXT NOT NULL DEFAULT '',
  pid INTEGER,
  netns_path TEXT,
  ip TEXT,
  config TEXT NOT NULL DEFAULT '{}',
  labels TEXT NOT NULL DEFAULT '{}',
  annotations TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace, id),
  UNIQUE (namespace, name, pod_namespace, pod_uid, attempt)
);
CREATE TABLE containers (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  id TEXT NOT NULL,
  name TEXT,
  image TEXT NOT NULL DEFAULT '',
  image_digest TEXT,
  runtime_name TEXT NOT NULL,
  runtime_options TEXT NOT NULL DEFAULT '{}',
  spec TEXT,
  snapshotter TEXT,
  snapshot_key TEXT,
  sandbox_id TEXT,
  config TEXT NOT NULL DEFAULT '{}',
  host_config TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'created'
    CHECK (state IN ('created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead')),
  pid INTEGER,
  exit_code INTEGER,
  oom_killed INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  restart_count INTEGER NOT NULL DEFAULT 0,
  log_path TEXT,
  labels TEXT NOT NULL DEFAULT '{}',
  extensions TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  PRIMARY KEY (namespace, id),
  FOREIGN KEY (namespace, sandbox_id) REFERENCES sandboxes(namespace, id)
);
CREATE UNIQUE INDEX containers_by_name ON containers(namespace, name) WHERE name IS NOT NULL;
CREATE INDEX containers_by_sandbox ON containers(namespace, sandbox_id) WHERE sandbox_id IS NOT NULL;
`,
  },
  {
    version: 3,
    name: 'networks, endpoints and volumes (issue 7)',
    sql: `
CREATE TABLE networks (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  driver TEXT NOT NULL DEFAULT 'bridge',
  scope TEXT NOT NULL DEFAULT 'local',
  bridge TEXT,
  subnet TEXT,
  gateway TEXT,
  ip_range TEXT,
  subnet6 TEXT,
  gateway6 TEXT,
  internal INTEGER NOT NULL DEFAULT 0,
  attachable INTEGER NOT NULL DEFAULT 0,
  options TEXT NOT NULL DEFAULT '{}',
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, id),
  UNIQUE (namespace, name)
);
CREATE TABLE network_endpoints (
  namespace TEXT NOT NULL,
  network_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  interface TEXT NOT NULL DEFAULT 'eth0',
  ipv4 TEXT,
  ipv6 TEXT,
  mac TEXT,
  aliases TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, network_id, container_id),
  UNIQUE (namespace, network_id, ipv4),
  FOREIGN KEY (namespace, network_id) REFERENCES networks(namespace, id),
  FOREIGN KEY (namespace, container_id) REFERENCES containers(namespace, id) ON DELETE CASCADE
);
CREATE TABLE volumes (
  namespace TEXT NOT NULL REFERENCES namespaces(name),
  name TEXT NOT NULL,
  driver TEXT NOT NULL DEFAULT 'local',
  mountpoint TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}',
  labels TEXT NOT NULL DEFAULT '{}',
  anonymous INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE container_volumes (
  namespace TEXT NOT NULL,
  container_id TEXT NOT NULL,
  volume_name TEXT NOT NULL,
  destination TEXT NOT NULL,
  read_only INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, container_id, destination),
  FOREIGN KEY (namespace, container_id) REFERENCES containers(namespace, id) ON DELETE CASCADE,
  FOREIGN KEY (namespace, volume_name) REFERENCES volumes(namespace, name)
);
CREATE INDEX container_volumes_by_volume ON container_volumes(namespace, volume_name);
`,
  },
];
