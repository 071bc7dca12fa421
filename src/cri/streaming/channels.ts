// The kubelet's WebSocket streaming protocol (k8s.io/apimachinery pkg/util/remotecommand and the
// apiserver's wsstream): every binary message starts with a channel byte. Exec and attach use
// 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5.channel.k8s.io adds 255 "close": [255, channel]
// from the client ends that channel's input (stdin EOF). On v4 and v5 the error channel carries one
// metav1.Status JSON; on channel.k8s.io (v1) it carries the plain error text.

/** The subprotocols Berth speaks, best first (the client offers a list, the server picks one). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'];

/** Port forwarding over WebSocket: per port, a data channel 2i and an error channel 2i+1. */
export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'portforward.k8s.io'];

/** Channel numbers. */
export const Channel = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** One message on `channel`. */
export function frame(channel: number, data: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);
}

/** The final status of an exec or attach, as the error channel carries it for `protocol`. */
export function statusMessage(protocol: string, exitCode: number | undefined, error?: string): Buffer {
  if (protocol === 'channel.k8s.io')
    return Buffer.from(error ?? (exitCode ? `command terminated with non-zero exit code: ${exitCode}` : ''));
  if (error)
    return Buffer.from(
      JSON.stringify({ metadata: {}, status: 'Failure', message: error, reason: 'InternalError' }),
    );
  if (!exitCode) return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
  return Buffer.from(
    JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: ${exitCode}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
    }),
  );
}

/** A resize message's size ({"Width":80,"Height":24}); undefined for a malformed one. */
export function parseResize(data: Buffer): { rows: number; cols: number } | undefined {
  try {
    const r = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    if (typeof r.Width === 'number' && typeof r.Height === 'number') return { rows: r.Height, cols: r.Width };
  } catch {
    // not JSON
  }
  return undefined;
}
