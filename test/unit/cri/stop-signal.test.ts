// The CRI Signal enum against the host's signal numbers, and the order in which a container's stop
// signal is chosen (config, then image, then SIGTERM), as containerd chooses it.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describe, test } from 'node:test';
import {
  criSignalName,
  criSignalNumber,
  imageSignalNumber,
  stopSignalOf,
} from '../../../src/cri/containers/stop-signal.js';
import protobuf from 'protobufjs';
import { criProtoPath } from '../../../src/cri/proto.js';

/** The names of an enum of Berth's CRI proto. */
function protoEnumNames(name: string): string[] {
  const root = protobuf.loadSync(criProtoPath());
  return Object.keys(root.lookupEnum(name).values);
}

describe('CRI stop signals', () => {
  test('every name of the Signal enum maps to a number and back to one name of that number', () => {
    const names = protoEnumNames('runtime.v1.Signal').filter((n) => n !== 'RUNTIME_DEFAULT');
    assert.ok(names.length > 60, `the enum has its names (${names.length})`);
    for (const name of names) {
      const n = criSignalNumber(name)!;
      assert.ok(Number.isInteger(n) && n > 0 && n <= 64, `${name} → ${n}`);
      assert.equal(criSignalNumber(criSignalName(n)), n, name);
    }
    assert.equal(criSignalNumber('SIGTERM'), constants.signals.SIGTERM);
    assert.equal(criSignalNumber('SIGIOT'), constants.signals.SIGABRT);
    assert.equal(criSignalName(constants.signals.SIGABRT), 'SIGABRT');
    assert.deepEqual(
      [criSignalNumber('SIGRTMIN'), criSignalNumber('SIGRTMINPLUS3'), criSignalNumber('SIGRTMAXMINUS1')],
      [34, 37, 63],
    );
    assert.deepEqual(
      [criSignalName(49), criSignalName(50), criSignalName(64)],
      ['SIGRTMINPLUS15', 'SIGRTMAXMINUS14', 'SIGRTMAX'],
    );
    assert.equal(criSignalNumber('RUNTIME_DEFAULT'), undefined);
    assert.throws(() => criSignalNumber('SIGNOPE'), {
      code: 'InvalidArgument',
      message: 'config.stop_signal: "SIGNOPE" is not a signal',
    });
  });

  test("an image's StopSignal in docker's forms", () => {
    assert.equal(imageSignalNumber('SIGQUIT'), constants.signals.SIGQUIT);
    assert.equal(imageSignalNumber('quit'), constants.signals.SIGQUIT);
    assert.equal(imageSignalNumber('9'), 9);
    assert.equal(imageSignalNumber('SIGRTMIN+3'), 37);
    assert.equal(imageSignalNumber('RTMAX-2'), 62);
    assert.throws(() => imageSignalNumber('SIGRTMIN+40'), {
      message: 'image StopSignal "SIGRTMIN+40" is not a signal',
    });
    assert.throws(() => imageSignalNumber('BOGUS'), { code: 'InvalidArgument' });
  });

  test('the config comes first, then the image, then SIGTERM', () => {
    assert.equal(stopSignalOf('SIGUSR1', 'SIGQUIT'), constants.signals.SIGUSR1);
    assert.equal(stopSignalOf('RUNTIME_DEFAULT', 'SIGQUIT'), constants.signals.SIGQUIT);
    assert.equal(stopSignalOf(undefined, undefined), constants.signals.SIGTERM);
    assert.equal(stopSignalOf('', ''), constants.signals.SIGTERM);
  });
});
