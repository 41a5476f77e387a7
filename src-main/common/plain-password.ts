// A password sent over plain MQTT or WebSocket can be read by anyone on the path. To the same
// machine (loopback) that is fine, and the demo does it; anywhere else the console says so.

const URL_HEAD = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;

/** True for names and addresses of this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || h === '::ffff:127.0.0.1';
}

/** The warning for a profile whose password would travel unencrypted, or undefined. */
export function plainPasswordWarning(url: string, hasPassword: boolean): string | undefined {
  const m = URL_HEAD.exec(url.trim());
  if (!hasPassword || !m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if ((scheme !== 'mqtt' && scheme !== 'ws' && scheme !== 'tcp') || isLoopbackHost(m[2]!)) return undefined;
  return `the password goes to ${m[2]} unencrypted (${scheme}://): anyone on the network path can read it; use mqtts:// or wss://`;
}
