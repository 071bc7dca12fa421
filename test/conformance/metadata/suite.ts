// The metadata conformance suite: namespaces, images, containers and leases, run by every way of
// opening the metadata store (a WAL database on disk, a private in-memory one) through *.test.ts files.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { digestOf } from '../../../src/content/index.js';
import { CRI_NAMESPACE, DOCKER_NAMESPACE, type Stores } from '../../../src/metadata/index.js';

/** A store under test. */
export interface MetadataFixture {
  stores: Stores;
  /** Closes and reopens the same database (undefined where it cannot survive a close, e.g. in memory). */
  reopen?: () => Promise<Stores>;
  cleanup(): Promise<void>;
}

const INDEX = 'application/vnd.oci.image.index.v1+json';
const target = (s: string) => ({ mediaType: INDEX, digest: digestOf(s), size: s.length });

/** Registers the suite for one way of opening the store. */
export function metadataSuite(name: string, makeFixture: () => Promise<MetadataFixture>): void {
  describe(`metadata conformance: ${name}`, () => {
    let fx: MetadataFixture;
    let stores: Stores;
    before(async () => {
      fx = await makeFixture();
      stores = fx.stores;
    });
    after(() => fx.cleanup());

    test('namespaces come into being on first use, are validated, and are deleted only when empty', () => {
      assert.deepEqual(stores.namespaces.list(), []);
      stores
        .images(DOCKER_NAMESPACE)
        .create({ name: 'docker.io/library/busybox:latest', target: target('a') });
      assert.deepEqual(
        stores.namespaces.list().map((n) => n.name),
        ['moby'],
      );
      stores.namespaces.create('empty', { team: 'x' });
      assert.deepEqual(stores.namespaces.get('empty').labels, { team: 'x' });
      assert.throws(() => stores.namespaces.create('empty'), {
        code: 'AlreadyExists',
        message: 'namespace "empty": already exists',
      });
      for (const bad of ['', 'a..b', '-a', 'a b', 'x'.repeat(77), 'k8s/io'])
        assert.throws(() => stores.images(bad), {
          code: 'InvalidArgument',
          message: `namespace "${bad}": must be 1 to 76 letters and digits, separated by single ".", "_" or "-"`,
        });
      assert.throws(() => stores.namespaces.delete('moby'), {
        code: 'FailedPrecondition',
        message: 'delete namespace "moby": it still has 1 images',
      });
      stores.namespaces.delete('empty');
      assert.throws(() => stores.namespaces.get('empty'), {
        code: 'NotFound',
        message: 'namespace "empty": not found',
      });
      stores.images(DOCKER_NAMESPACE).delete('docker.io/library/busybox:latest');
    });

    test('images: create, get, list with filters, update by field path, delete', () => {
      const images = stores.images(DOCKER_NAMESPACE);
      const a = images.create({
        name: 'a:1',
        target: { ...target('one'), annotations: { x: 'y' } },
        labels: { l: '1' },
      });
      assert.equal(a.target.digest, digestOf('one'));
      assert.deepEqual(a.target.annotations, { x: 'y' });
      images.create({ name: 'a:2', target: target('one') });
      images.create({ name: 'b:1', target: target('two') });
      assert.throws(() => images.create({ name: 'a:1', target: target('one') }), {
        code: 'AlreadyExists',
        message: 'image "a:1": already exists',
      });
      assert.deepEqual(
        images.list().map((i) => i.name),
        ['a:1', 'a:2', 'b:1'],
      );
      assert.deepEqual(
        images.list({ targetDigest: digestOf('one') }).map((i) => i.name),
        ['a:1', 'a:2'],
      );
      assert.deepEqual(
        images.list({ labels: { l: '1' } }).map((i) => i.name),
        ['a:1'],
      );
      const moved = images.update({ name: 'a:2', target: target('two') }, ['target']);
      assert.equal(moved.target.digest, digestOf('two'));
      assert.deepEqual(images.update({ name: 'a:1', labels: { m: '2' } }, ['labels.m']).labels, {
        l: '1',
        m: '2',
      });
      assert.equal(images.get('a:1').target.digest, digestOf('one'), 'a label update leaves the target');
      assert.throws(() => images.update({ name: 'a:1' }, ['name']), {
        code: 'InvalidArgument',
        message: 'image "a:1": field path "name" cannot be updated',
      });
      assert.throws(() => images.update({ name: 'zz' }), {
        code: 'NotFound',
        message: 'image "zz": not found',
      });
      assert.throws(
        () => images.create({ name: 'c', target: { mediaType: INDEX, digest: 'sha256:nope', size: 1 } }),
        {
          code: 'InvalidArgument',
          message: 'image "c": target.digest "sha256:nope": want 64 lowercase hex digits',
        },
      );
      assert.throws(() => images.create({ name: '', target: target('x') }), {
        code: 'InvalidArgument',
        message: 'image name: must not be empty',
      });
      assert.deepEqual(stores.images(CRI_NAMESPACE).list(), [], 'namespaces keep images apart');
      assert.throws(() => stores.images(CRI_NAMESPACE).get('a:1'), { code: 'NotFound' });
      for (const n of ['a:1', 'a:2', 'b:1']) images.delete(n);
      assert.throws(() => images.delete('a:1'), { code: 'NotFound', message: 'image "a:1": not found' });
    });

    test('containers: create with defaults, unique names, lifecycle updates, delete', () => {
      const cs = stores.containers(DOCKER_NAMESPACE);
      const c = cs.create({
        id: 'c1',
        name: 'web',
        runtime: { name: 'berth', options: {} },
        image: 'busybox',
        snapshotter: 'overlay',
        snapshotKey: 'c1',
      });
      assert.equal(c.state, 'created');
      assert.equal(c.restartCount, 0);
      assert.equal(c.oomKilled, false);
      assert.equal(c.snapshotKey, 'c1');
      assert.throws(() => cs.create({ id: 'c1', runtime: { name: 'berth', options: {} } }), {
        code: 'AlreadyExists',
        message: 'container "c1": already exists',
      });
      assert.throws(() => cs.create({ id: 'c2', name: 'web', runtime: { name: 'berth', options: {} } }), {
        code: 'AlreadyExists',
        message: 'container name "web": already in use',
      });
      const started = new Date('2026-01-02T03:04:05.678Z');
      const running = cs.update('c1', {
        state: 'running',
        pid: 4242,
        startedAt: started,
        spec: { ociVersion: '1.2.0' },
      });
      assert.equal(running.pid, 4242);
      assert.deepEqual(running.startedAt, started);
      assert.deepEqual(running.spec, { ociVersion: '1.2.0' });
      const exited = cs.update('c1', { state: 'exited', pid: undefined, exitCode: 137, oomKilled: true });
      assert.equal(exited.pid, undefined);
      assert.equal(exited.exitCode, 137);
      assert.equal(exited.oomKilled, true);
      assert.throws(() => cs.update('c1', { state: 'flying' as never }), {
        code: 'InvalidArgument',
        message:
          'container "c1": state "flying" is not one of created, running, paused, restarting, removing, exited, dead',
      });
      assert.throws(() => cs.update('c1', { snapshotter: undefined }), {
        code: 'InvalidArgument',
        message: 'container "c1": snapshotter and snapshotKey go together',
      });
      cs.create({
        id: 'c2',
        name: 'db',
        runtime: { name: 'runc', options: { root: '/run/x' } },
        labels: { tier: 'data' },
      });
      assert.throws(() => cs.update('c2', { name: 'web' }), {
        code: 'AlreadyExists',
        message: 'container name "web": already in use',
      });
      assert.equal(cs.getByName('db').id, 'c2');
      assert.deepEqual(
        cs.list({ labels: { tier: 'data' } }).map((x) => x.id),
        ['c2'],
      );
      assert.deepEqual(stores.containers(CRI_NAMESPACE).list(), []);
      cs.delete('c1');
      cs.delete('c2');
      assert.throws(() => cs.get('c1'), { code: 'NotFound', message: 'container "c1": not found' });
    });

    test('container records read back as written: frozen, never stale, and never what a rolled-back transaction wrote', () => {
      const cs = stores.containers(DOCKER_NAMESPACE);
      cs.create({ id: 'k1', name: 'kept', runtime: { name: 'berth', options: {} }, labels: { a: '1' } });
      const first = cs.get('k1');
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.labels));
      assert.throws(() => {
        (first.labels as Record<string, string>).a = '2';
      }, TypeError);
      // A second view of the namespace (berthd makes one per call) sees the first one's writes.
      cs.update('k1', { state: 'running', pid: 7 });
      assert.equal(stores.containers(DOCKER_NAMESPACE).get('k1').pid, 7);
      assert.equal(stores.containers(DOCKER_NAMESPACE).getByName('kept').state, 'running');
      assert.deepEqual(
        stores
          .containers(DOCKER_NAMESPACE)
          .list()
          .filter((c) => c.id === 'k1')
          .map((c) => c.state),
        ['running'],
      );
      assert.throws(() =>
        stores.db.transaction(() => {
          cs.update('k1', { state: 'exited', exitCode: 3 });
          assert.equal(cs.get('k1').exitCode, 3); // inside: the transaction's own write
          throw new Error('roll back');
        })(),
      );
      assert.equal(cs.get('k1').state, 'running');
      assert.equal(cs.get('k1').exitCode, undefined);
      // An update writes only what changed and returns what a read of the whole row gives.
      const labels = { a: '2', b: '3' };
      const updated = cs.update('k1', { labels, pid: undefined, spec: { ociVersion: '1.2.0' } });
      assert.ok(!Object.isFrozen(labels), "the caller's objects stay its own");
      const fromRow = stores.db.transaction(() => cs.get('k1'))(); // inside a transaction: the row itself
      assert.deepEqual(updated, fromRow);
      assert.deepEqual(cs.get('k1'), fromRow);
      assert.equal(fromRow.pid, undefined);
      assert.equal(fromRow.name, 'kept');
      cs.delete('k1');
      assert.throws(() => cs.get('k1'), { code: 'NotFound' });
      assert.throws(() => cs.getByName('kept'), { code: 'NotFound' });
    });

    test('networks: unique names and addresses, endpoints, no removal while attached', () => {
      const nets = stores.networks(DOCKER_NAMESPACE);
      const cs = stores.containers(DOCKER_NAMESPACE);
      const net = nets.create({
        id: 'n1',
        name: 'backend',
        subnet: '172.30.0.0/24',
        gateway: '172.30.0.1',
        labels: { app: 'x' },
      });
      assert.equal(net.driver, 'bridge');
      assert.equal(net.internal, false);
      assert.equal(nets.get('backend').id, 'n1', 'found by name');
      assert.throws(() => nets.create({ id: 'n2', name: 'backend' }), {
        code: 'AlreadyExists',
        message: 'network with name "backend" already exists',
      });
      cs.create({ id: 'web', runtime: { name: 'berth', options: {} } });
      cs.create({ id: 'db', runtime: { name: 'berth', options: {} } });
      const e = nets.connect({
        networkId: 'backend',
        containerId: 'web',
        endpointId: 'e1',
        ipv4: '172.30.0.2',
        aliases: ['web', 'www'],
      });
      assert.deepEqual(e.aliases, ['web', 'www']);
      assert.equal(e.interface, 'eth0');
      assert.throws(
        () => nets.connect({ networkId: 'n1', containerId: 'db', endpointId: 'e2', ipv4: '172.30.0.2' }),
        {
          code: 'AlreadyExists',
          message: 'address "172.30.0.2" is already in use on network "backend"',
        },
      );
      assert.throws(() => nets.connect({ networkId: 'n1', containerId: 'web', endpointId: 'e3' }), {
        code: 'AlreadyExists',
        message: 'container "web" is already attached to network "backend"',
      });
      assert.throws(() => nets.connect({ networkId: 'n1', containerId: 'ghost', endpointId: 'e4' }), {
        code: 'NotFound',
        message: 'container "ghost": not found',
      });
      assert.throws(() => nets.delete('backend'), {
        code: 'FailedPrecondition',
        message: 'network "backend": has active endpoints (container "web")',
      });
      assert.deepEqual(
        nets.endpointsOf('web').map((x) => x.networkId),
        ['n1'],
      );
      cs.delete('web'); // endpoints go with their container
      assert.deepEqual(nets.endpoints('n1'), []);
      nets.connect({ networkId: 'n1', containerId: 'db', endpointId: 'e5', ipv4: '172.30.0.2' });
      nets.disconnect('n1', 'db');
      assert.throws(() => nets.disconnect('n1', 'db'), {
        code: 'NotFound',
        message: 'container "db" is not attached to network "backend"',
      });
      nets.delete('n1');
      assert.throws(() => nets.get('backend'), { code: 'NotFound', message: 'network "backend": not found' });
      cs.delete('db');
    });

    test('volumes: create, mounts by containers, no removal while mounted', () => {
      const vols = stores.volumes(DOCKER_NAMESPACE);
      const cs = stores.containers(DOCKER_NAMESPACE);
      const v = vols.create({
        name: 'data',
        mountpoint: '/var/lib/berth/volumes/data/_data',
        labels: { keep: '1' },
      });
      assert.equal(v.driver, 'local');
      assert.equal(v.anonymous, false);
      assert.throws(() => vols.create({ name: 'data', mountpoint: '/x' }), {
        code: 'AlreadyExists',
        message: 'volume "data": already exists',
      });
      assert.throws(() => vols.create({ name: 'nomount', mountpoint: '' }), {
        code: 'InvalidArgument',
        message: 'volume "nomount": mountpoint must not be empty',
      });
      cs.create({ id: 'app', runtime: { name: 'berth', options: {} } });
      vols.attach({ containerId: 'app', volumeName: 'data', destination: '/data', readOnly: false });
      assert.throws(
        () => vols.attach({ containerId: 'app', volumeName: 'data', destination: '/data', readOnly: true }),
        {
          code: 'AlreadyExists',
          message: 'container "app": duplicate mount point "/data"',
        },
      );
      assert.throws(
        () => vols.attach({ containerId: 'app', volumeName: 'nope', destination: '/n', readOnly: false }),
        {
          code: 'NotFound',
          message: 'volume "nope": not found',
        },
      );
      assert.throws(() => vols.delete('data'), {
        code: 'FailedPrecondition',
        message: 'volume "data": in use by container "app"',
      });
      assert.deepEqual(vols.mountsOf('app'), [
        { containerId: 'app', volumeName: 'data', destination: '/data', readOnly: false },
      ]);
      cs.delete('app');
      assert.deepEqual(vols.usersOf('data'), []);
      vols.delete('data');
      assert.deepEqual(vols.list(), []);
    });

    test('leases: ids, expiry, resources, and release on delete', () => {
      const leases = stores.leases(CRI_NAMESPACE);
      const l = leases.create({ id: 'pull-1', labels: { by: 'test' }, ttlMs: 60_000 });
      assert.ok(l.expiresAt && l.expiresAt.getTime() > Date.now());
      const anon = leases.create();
      assert.match(anon.id, /^lease-/);
      assert.equal(anon.expiresAt, undefined);
      assert.throws(() => leases.create({ id: 'pull-1' }), {
        code: 'AlreadyExists',
        message: 'lease "pull-1": already exists',
      });
      assert.throws(() => leases.create({ id: 'x', ttlMs: -5 }), {
        code: 'InvalidArgument',
        message: 'lease "x": ttl "-5" must be a positive number of milliseconds',
      });
      leases.addResource('pull-1', { type: 'content', id: digestOf('l') });
      leases.addResource('pull-1', { type: 'content', id: digestOf('l') });
      leases.addResource('pull-1', { type: 'snapshots/overlay', id: 'k' });
      assert.throws(() => leases.addResource('pull-1', { type: 'blobs', id: 'x' }), {
        code: 'InvalidArgument',
        message: 'lease resource type "blobs": want "content", "ingests" or "snapshots/<snapshotter>"',
      });
      assert.deepEqual(leases.listResources('pull-1'), [
        { type: 'content', id: digestOf('l') },
        { type: 'snapshots/overlay', id: 'k' },
      ]);
      leases.deleteResource('pull-1', { type: 'snapshots/overlay', id: 'k' });
      assert.equal(leases.listResources('pull-1').length, 1);
      assert.deepEqual(stores.leases(DOCKER_NAMESPACE).list(), []);
      leases.delete('pull-1');
      leases.delete(anon.id);
      assert.throws(() => leases.listResources('pull-1'), {
        code: 'NotFound',
        message: 'lease "pull-1": not found',
      });
      assert.equal(
        (stores.db.prepare('SELECT COUNT(*) AS n FROM lease_resources').get() as { n: number }).n,
        0,
      );
    });

    test('a blob written in one namespace is shared with another without a second download', async () => {
      const data = Buffer.from('shared layer');
      const digest = digestOf(data);
      const moby = stores.content(DOCKER_NAMESPACE);
      const k8s = stores.content(CRI_NAMESPACE);
      const w = await moby.writer({ ref: 'layer', expected: digest, labels: { owner: 'moby' } });
      await w.write(data);
      await w.commit(data.length, digest);
      await assert.rejects(k8s.info(digest), { code: 'NotFound' });
      await assert.rejects(k8s.writer({ ref: 'layer', expected: digest, labels: { owner: 'k8s' } }), {
        code: 'AlreadyExists',
      });
      assert.deepEqual(
        (await k8s.info(digest)).labels,
        { owner: 'k8s' },
        'the record is made with its own labels',
      );
      assert.deepEqual((await moby.info(digest)).labels, { owner: 'moby' });
      const lease = stores.leases(DOCKER_NAMESPACE).create({ id: 'repull' });
      await assert.rejects(
        stores.content(DOCKER_NAMESPACE, { lease: lease.id }).writer({ ref: 'again', expected: digest }),
        {
          code: 'AlreadyExists',
        },
      );
      assert.deepEqual(
        stores.leases(DOCKER_NAMESPACE).listResources('repull'),
        [{ type: 'content', id: digest }],
        'a re-pull holds what it found',
      );
      stores.leases(DOCKER_NAMESPACE).delete('repull');
      await moby.delete(digest);
      assert.ok((await k8s.readBlob(digest)).equals(data), 'the other namespace still reads it');
      await k8s.delete(digest);
    });

    test('records survive closing and reopening the database', { skip: false }, async (t) => {
      if (!fx.reopen) return t.skip('an in-memory database does not outlive its connection');
      stores.images(DOCKER_NAMESPACE).create({ name: 'persist', target: target('p') });
      stores.leases(DOCKER_NAMESPACE).create({ id: 'keep' });
      stores = await fx.reopen();
      assert.equal(stores.images(DOCKER_NAMESPACE).get('persist').target.digest, digestOf('p'));
      assert.equal(stores.leases(DOCKER_NAMESPACE).get('keep').id, 'keep');
      assert.equal(stores.db.pragma('journal_mode', { simple: true }), 'wal');
      stores.images(DOCKER_NAMESPACE).delete('persist');
      stores.leases(DOCKER_NAMESPACE).delete('keep');
    });
  });
}
