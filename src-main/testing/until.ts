// Polling for integration tests: what a test waits for on a board, a broker or a child process.

/** Polls fn until it returns something truthy; errors (e.g. a probe during a reset) mean "not yet". */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = (err as Error).message.split('\n').slice(-2).join(' ');
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
