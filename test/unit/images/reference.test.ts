// Reference parsing against docker's own cases (distribution/reference normalize_test.go, reference_test.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  familiarString,
  formatReference,
  parseDigest,
  parseDockerRef,
  parseNormalized,
  parseReference,
  withDefaultTag,
} from '../../../src/images/reference/index.js';

const HEX = 'a'.repeat(64);

describe('parseNormalized', () => {
  const cases: [string, string, string][] = [
    // input, full form after withDefaultTag, familiar form
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
    ['docker.io/library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
    ['localhost/x', 'localhost/x:latest', 'localhost/x:latest'],
    ['localhost:5000/x/y:t', 'localhost:5000/x/y:t', 'localhost:5000/x/y:t'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest', '127.0.0.1:5000/x:latest'],
    ['[::1]:5000/x', '[::1]:5000/x:latest', '[::1]:5000/x:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['Foo/bar', 'Foo/bar:latest', 'Foo/bar:latest'], // an upper-case first component is a domain
    ['docker.io/u/a__b.c-d---e', 'docker.io/u/a__b.c-d---e:latest', 'u/a__b.c-d---e:latest'],
    [`busybox@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`, `busybox@sha256:${HEX}`],
    [`busybox:1@sha256:${HEX}`, `docker.io/library/busybox:1@sha256:${HEX}`, `busybox:1@sha256:${HEX}`],
  ];
  for (const [input, full, familiar] of cases) {
    it(`normalises "${input}"`, () => {
      const ref = withDefaultTag(parseNormalized(input));
      assert.equal(formatReference(ref), full);
      assert.equal(familiarString(ref), familiar);
    });
  }

  it('splits domain, path, tag and digest', () => {
    assert.deepEqual(parseNormalized(`localhost:5000/a/b:v1@sha256:${HEX}`), {
      domain: 'localhost:5000',
      path: 'a/b',
      tag: 'v1',
      digest: `sha256:${HEX}`,
    });
  });

  const bad: [string, string][] = [
    ['', 'reference "": invalid reference format'],
    ['Busybox', 'reference "Busybox": repository name must be lowercase'],
    ['docker.io/Library/busybox', 'reference "docker.io/Library/busybox": repository name must be lowercase'],
    ['busybox:', 'reference "busybox:": invalid reference format'],
    ['busybox::1', 'reference "busybox::1": invalid reference format'],
    ['-busybox', 'reference "-busybox": invalid reference format'],
    ['busy..box', 'reference "busy..box": invalid reference format'],
    ['a/', 'reference "a/": invalid reference format'],
    ['a_b.c/d', 'reference "a_b.c/d": invalid reference format'], // "." makes a_b.c a domain, "_" is not allowed there
    [`busybox:${'t'.repeat(129)}`, `reference "busybox:${'t'.repeat(129)}": invalid reference format`],
    [HEX, `reference "${HEX}": invalid repository name, cannot specify 64-byte hexadecimal strings`],
    ['busybox@sha256:abc', 'reference "busybox@sha256:abc": invalid reference format'],
    [
      `busybox@sha256:${'a'.repeat(63)}`,
      `reference "busybox@sha256:${'a'.repeat(63)}": invalid checksum digest length`,
    ],
    [
      `busybox@md5:${'a'.repeat(32)}`,
      `reference "busybox@md5:${'a'.repeat(32)}": unsupported digest algorithm`,
    ],
    [
      `busybox@sha256:${'A'.repeat(64)}`,
      `reference "busybox@sha256:${'A'.repeat(64)}": invalid checksum digest format`,
    ],
  ];
  for (const [input, message] of bad) {
    it(`refuses "${input.slice(0, 40)}"`, () => {
      assert.throws(() => parseNormalized(input), { name: 'BerthError', code: 'InvalidArgument', message });
    });
  }

  it('refuses names over 255 characters, and accepts 255', () => {
    const ok = `docker.io/u/${'a'.repeat(243)}`;
    assert.equal(ok.length, 255);
    assert.equal(parseNormalized(ok).path, `u/${'a'.repeat(243)}`);
    const long = `docker.io/u/${'a'.repeat(244)}`;
    assert.throws(() => parseNormalized(long), {
      message: `reference "${long}": repository name must not be more than 255 characters`,
    });
  });
});

describe('parseReference', () => {
  it('keeps names without domain unnormalised', () => {
    assert.deepEqual(parseReference('busybox'), {
      domain: '',
      path: 'busybox',
      tag: undefined,
      digest: undefined,
    });
    assert.equal(parseReference('a.b/c').domain, 'a.b');
  });
  it('names an empty reference', () => {
    assert.throws(() => parseReference(''), {
      message: 'reference "": repository name must have at least one component',
    });
  });
});

describe('parseDockerRef', () => {
  it('adds latest and prefers the digest over the tag', () => {
    assert.equal(formatReference(parseDockerRef('busybox')), 'docker.io/library/busybox:latest');
    assert.equal(
      formatReference(parseDockerRef(`busybox:1@sha256:${HEX}`)),
      `docker.io/library/busybox@sha256:${HEX}`,
    );
  });
});

describe('parseDigest', () => {
  it('accepts sha256 and sha512', () => {
    assert.deepEqual(parseDigest(`sha256:${HEX}`), { algorithm: 'sha256', hex: HEX });
    assert.equal(parseDigest(`sha512:${'0'.repeat(128)}`).algorithm, 'sha512');
  });
  it('names the digest', () => {
    assert.throws(() => parseDigest('sha256'), {
      message: 'digest "sha256": invalid checksum digest format',
    });
  });
});
