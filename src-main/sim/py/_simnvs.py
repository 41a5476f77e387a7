# Virtual board: esp32.NVS, ESP-IDF's non-volatile storage as the ESP32 port exposes it.
# https://docs.micropython.org/en/latest/library/esp32.html#non-volatile-storage
# Values live in the board's state directory (partitions/nvs.json), so they survive resets and
# power cycles as the nvs partition does. What has not been commit()ed is lost at the next reset:
# the documented contract (ESP-IDF's nvs_commit), stricter than ESP-IDF itself, which usually
# writes at once. Errors are the port's: OSError(-code, 'ESP_ERR_NVS_...') from check_esp_err.
import _simhost as _h
import binascii
import json

_MAX_KEY = 15  # NVS_KEY_NAME_MAX_SIZE - 1
_stored = None  # namespace -> {key: {"i32": int} / {"blob": hex}}: what is on flash
_pending = {}  # namespace -> the same, with the changes not committed yet


def _err(code, name):
    raise OSError(-code, name)


def _not_found():
    _err(0x1102, "ESP_ERR_NVS_NOT_FOUND")


def _check_name(name):
    if len(name) > _MAX_KEY:
        _err(0x1109, "ESP_ERR_NVS_KEY_TOO_LONG")


def _load():
    global _stored
    if _stored is None:
        text = _h.nvs_load()
        _stored = json.loads(text) if text else {}
    return _stored


class NVS:
    def __init__(self, namespace):
        _check_name(namespace)
        self._ns = namespace
        if namespace not in _pending:
            stored = _load().get(namespace, {})
            _pending[namespace] = {k: dict(v) for k, v in stored.items()}

    def _get(self, key, kind):
        _check_name(key)
        v = _pending[self._ns].get(key, {}).get(kind)
        if v is None:
            _not_found()  # NVS looks a key up with its type: an i32 is no blob
        return v

    def _set(self, key, kind, value):
        _check_name(key)
        _pending[self._ns].setdefault(key, {})[kind] = value

    def set_i32(self, key, value):
        if not isinstance(value, int):
            raise TypeError("can't convert %s to int" % type(value).__name__)
        if not -0x80000000 <= value <= 0x7FFFFFFF:
            raise OverflowError("overflow converting long int to machine word")
        self._set(key, "i32", value)

    def get_i32(self, key):
        return self._get(key, "i32")

    def set_blob(self, key, value):
        self._set(key, "blob", binascii.hexlify(bytes(value)).decode())

    def get_blob(self, key, buffer):
        data = binascii.unhexlify(self._get(key, "blob"))
        if len(data) > len(buffer):
            _err(0x110C, "ESP_ERR_NVS_INVALID_LENGTH")
        buffer[: len(data)] = data
        return len(data)

    def erase_key(self, key):
        _check_name(key)
        if _pending[self._ns].pop(key, None) is None:
            _not_found()

    def commit(self):
        stored = _load()
        stored[self._ns] = {k: dict(v) for k, v in _pending[self._ns].items()}
        _h.nvs_save(json.dumps(stored))
