# Virtual board: network.WLAN in station mode, joined to the simulated access point.
# https://docs.micropython.org/en/latest/library/network.WLAN.html (status codes of the ESP32 port)
# The host can cut the link at any time; sockets then fail and status() reports STAT_CONNECTING
# while the station keeps trying to rejoin, as the ESP32 port does.
import _simhost as _h
from micropython import const

STA_IF = const(0)
AP_IF = const(1)
STAT_IDLE = const(1000)
STAT_CONNECTING = const(1001)
STAT_GOT_IP = const(1010)
STAT_BEACON_TIMEOUT = const(200)
STAT_NO_AP_FOUND = const(201)
STAT_WRONG_PASSWORD = const(202)
STAT_ASSOC_FAIL = const(203)
STAT_HANDSHAKE_TIMEOUT = const(204)


def hostname(name=None):
    if name is None:
        return _h.wlan_config("hostname")
    _h.wlan_set("hostname", str(name))


class WLAN:
    def __init__(self, interface_id=STA_IF):
        if interface_id != STA_IF:
            raise ValueError("virtual board: only network.STA_IF is simulated")

    def active(self, is_active=None):
        if is_active is None:
            return _h.wlan_active(-1) == 1
        _h.wlan_active(1 if is_active else 0)

    def connect(self, ssid=None, key=None, *, bssid=None):
        if _h.wlan_active(-1) != 1:
            raise OSError("Wifi Not Started")
        _h.wlan_connect(ssid or "", key or "")

    def disconnect(self):
        _h.wlan_disconnect()

    def isconnected(self):
        return _h.wlan_status() == STAT_GOT_IP

    def status(self, param=None):
        if param is None:
            return _h.wlan_status()
        if param == "rssi":
            if _h.wlan_status() != STAT_GOT_IP:
                raise OSError("STA must be connected")
            return int(_h.wlan_config("rssi"))
        raise ValueError("unknown status param")

    def ifconfig(self, config=None):
        if config is not None:
            raise OSError("virtual board: static IP configuration is not simulated")
        return tuple(_h.wlan_config("ifconfig").split(","))

    def config(self, *args, **kwargs):
        if kwargs:
            for k, v in kwargs.items():
                if k in ("hostname", "dhcp_hostname"):
                    _h.wlan_set("hostname", str(v))
                elif k not in ("reconnects", "pm", "txpower"):
                    raise ValueError("unknown config param")
            return None
        if len(args) != 1:
            raise TypeError("can query only one param")
        p = args[0]
        if p == "mac":
            import binascii

            return binascii.unhexlify(_h.wlan_config("mac"))
        if p in ("ssid", "essid", "hostname", "dhcp_hostname"):
            return _h.wlan_config("hostname" if "host" in p else "ssid")
        raise ValueError("unknown config param")
