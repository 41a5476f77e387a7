# Signed updates (docs/signing.md): `put` and `ota` may carry a signature over what they install,
# as a first tail segment `sig=<key id>.<base64url signature>/`. The signature is RSA-2048,
# PKCS#1 v1.5 with SHA-256 (RFC 8017 8.2), over the line "mqboard-sig-v1 <kind> <target> <sha256>":
# the command, the file path ("" for ota) and the content's SHA-256, so a signed file cannot be
# replayed under another name or as firmware. RSA because verifying it is one pow() with a small
# exponent: milliseconds and a few KB of heap in stock MicroPython, where an elliptic-curve check
# in pure Python takes seconds.
# board_config.signing = {"keys": {"<id>": "<base64 modulus>", ...}, "require": True}: more than one
# key for rotation; with require, unsigned put and ota are refused. Without it, as before.
import binascii
import hashlib
import sys
from micropython import const
from mqb_xfer import Refused

_E = const(65537)
# DER DigestInfo of a SHA-256 digest (RFC 8017 9.2, note 1).
_SHA256_INFO = b"\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"


class SignatureError(Refused):  # an upload refused before it writes anything
    pass


def _cfg():
    cfg = sys.modules.get("board_config")
    if cfg is None:
        try:
            import board_config as cfg
        except ImportError:
            return {}
    return getattr(cfg, "signing", None) or {}


def split(tail):
    """(signature or None, rest of the tail)."""
    if tail.startswith("sig="):
        sig, _, rest = tail[4:].partition("/")
        return sig, rest
    return None, tail


def _b64(text):
    text = text.replace("-", "+").replace("_", "/")
    return binascii.a2b_base64((text + "=" * (-len(text) % 4)).encode())  # bytes: not every binascii takes str


def check(sig, kind, target, sha):
    """Raises SignatureError unless `sig` signs (kind, target, sha) with a trusted key, or the
    board needs no signature and got none."""
    c = _cfg()
    if sig is None:
        if c.get("require"):
            raise SignatureError("unsigned %s refused: this board accepts only signed updates" % kind)
        return
    kid, _, s64 = sig.partition(".")
    n64 = c.get("keys", {}).get(kid)
    if n64 is None:
        raise SignatureError("%s signed with key %s, which this board does not trust" % (kind, kid))
    try:
        nb = binascii.a2b_base64(n64.encode())
        s = int.from_bytes(_b64(s64), "big")
    except Exception:  # binascii.Error is a ValueError on the port; anything else is as bad
        raise SignatureError("%s: malformed signature or key %s" % (kind, kid))
    n = int.from_bytes(nb, "big")
    k = len(nb)
    h = hashlib.sha256(("mqboard-sig-v1 %s %s %s" % (kind, target, sha)).encode()).digest()
    em = b"\x00\x01" + b"\xff" * (k - 3 - len(_SHA256_INFO) - 32) + b"\x00" + _SHA256_INFO + h
    if k < 256 or s >= n or pow(s, _E, n) != int.from_bytes(em, "big"):
        raise SignatureError("%s: bad signature (key %s)" % (kind, kid))
