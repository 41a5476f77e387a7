// mbedTLS on an ESP32 checks a certificate's validity dates against the board's own clock
// (ports/esp32/boards/sdkconfig.base sets CONFIG_MBEDTLS_HAVE_TIME_DATE; ports/esp32/main.c feeds
// it the RTC time), and that clock reads 2000-01-01 after power-on. OpenSSL on the host checks
// them against the host's clock, so the chain is verified by OpenSSL and the dates again here.
import type * as tls from 'node:tls';

/** Why the chain is not valid at the board's time, or undefined when every certificate is. */
export function certDateProblem(sock: tls.TLSSocket, boardMs: number): string | undefined {
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const from = Date.parse(cert.valid_from);
    const to = Date.parse(cert.valid_to);
    if (Number.isFinite(from) && boardMs < from) return `certificate not yet valid at the board's time (${new Date(boardMs).toISOString()}): valid from ${cert.valid_from}`;
    if (Number.isFinite(to) && boardMs > to) return `certificate expired at the board's time (${new Date(boardMs).toISOString()}): valid to ${cert.valid_to}`;
    cert = cert.issuerCertificate;
  }
  return undefined;
}
