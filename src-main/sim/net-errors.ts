// How the virtual board's sockets report failures: Node's errors as the errno values and mbedTLS
// codes MicroPython raises on an ESP32 (docs/virtual-board.md), and certificates as PEM.
import { linuxErrno } from './worker/errno-bridge.js';

/** mbedTLS's code for a certificate that failed verification, as MicroPython raises it. */
export const MBEDTLS_ERR_X509_CERT_VERIFY_FAILED = -0x2700;
const MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE = -0x7780;
/** What MicroPython on ESP32 raises when getaddrinfo fails. */
const ESP_DNS_FAILURE = -202;

export function describeTlsError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO|VERIFY|ISSUER/.test(code)) {
    return `${MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}|MBEDTLS_ERR_X509_CERT_VERIFY_FAILED`;
  }
  return `${MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE}|MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE`;
}

export function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${ESP_DNS_FAILURE}|getaddrinfo failed`;
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EPIPE':
      return `${linuxErrno(err.code)}|${err.code}`;
    default:
      return `${linuxErrno('ECONNABORTED')}|${err.code ?? err.message}`;
  }
}

/** Accepts PEM text, base64 DER or `hex:` DER (how the Python side passes bytes) and returns PEM. */
export function toPem(data: string, label = 'CERTIFICATE'): string {
  if (data.includes('-----BEGIN')) return data;
  const b64 = data.startsWith('hex:') ? Buffer.from(data.slice(4), 'hex').toString('base64') : data.replace(/\s+/g, '');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
