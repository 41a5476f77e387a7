# Virtual board: the `ssl` module as MicroPython >= 1.22 on ESP32 provides it (mbedTLS behind it).
# https://docs.micropython.org/en/latest/library/ssl.html
# As in micropython-lib's ssl wrapper, a new context verifies nothing until verify_mode is set to
# CERT_REQUIRED; certificate failures raise OSError(-0x2700, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED').
import json
from micropython import const

PROTOCOL_TLS_CLIENT = const(0)
PROTOCOL_TLS_SERVER = const(1)
CERT_NONE = const(0)
CERT_OPTIONAL = const(1)
CERT_REQUIRED = const(2)


def _text(data):
    if isinstance(data, str):
        return data
    data = bytes(data)
    if data.startswith(b"-----BEGIN"):
        return data.decode()
    # DER, as hex: the wasm build's binascii is Python code whose base64 of a 1 KB certificate
    # needs more garbage in one call than an ESP32's heap has (the port parses it in C, mbedTLS).
    return "hex:" + data.hex()


def _load(data):
    if isinstance(data, str) and not data.startswith("-----BEGIN"):
        with open(data, "rb") as f:  # a file path on the board's flash
            return f.read()
    return data


class SSLContext:
    def __init__(self, protocol):
        if protocol not in (PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER):
            raise ValueError("invalid protocol")
        self._protocol = protocol
        self.verify_mode = CERT_NONE
        self._ca = None
        self._cert = None
        self._key = None

    def load_verify_locations(self, cafile=None, cadata=None):
        if cafile:
            cadata = _load(cafile)
        if cadata is None:
            raise ValueError("cafile or cadata required")
        self._ca = _text(cadata)

    def load_cert_chain(self, certfile, keyfile):
        self._cert = _text(_load(certfile))
        self._key = _text(_load(keyfile))

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        # The virtual board has no blocking sockets; TLS is reached through
        # asyncio.open_connection(host, port, ssl=context).
        raise OSError(95, "virtual board: use asyncio.open_connection(..., ssl=ctx)")

    def _request(self, server_hostname):
        if self._protocol != PROTOCOL_TLS_CLIENT:
            raise OSError(95, "server-side TLS is not simulated")
        req = {"verify": self.verify_mode == CERT_REQUIRED, "servername": server_hostname}
        if self._ca:
            req["ca"] = self._ca
        if self._cert:
            req["cert"] = self._cert
            req["key"] = self._key
        return json.dumps(req)
