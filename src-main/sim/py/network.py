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
        # The port's connect() takes no channel: it scans from channel 1 (ports/esp32/network_wlan.c).
        if bssid is not None and len(bssid) != 6:
            raise ValueError
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
        # ports/esp32/network_common.c: a 4-tuple (or list) stops the DHCP client and sets a static
        # address (the join then skips DHCP); "dhcp" starts the DHCP client again.
        if config is None:
            return tuple(_h.wlan_config("ifconfig").split(","))
        if isinstance(config, (tuple, list)):
            if len(config) != 4:
                raise ValueError("requested length 4 but object has length %d" % len(config))
            err = _h.wlan_ifconfig(",".join(str(a) for a in config))
        elif isinstance(config, str):
            err = _h.wlan_ifconfig(config) if config == "dhcp" else "invalid arguments"
        else:
            raise TypeError("can't convert %s to str" % type(config).__name__)
        if err:
            raise ValueError(err)

    def config(self, *args, **kwargs):
        if kwargs:
            for k, v in kwargs.items():
                if k in ("hostname", "dhcp_hostname"):
                    _h.wlan_set("hostname", str(v))
                elif k == "channel":
                    int(v)  # esp_wifi_set_channel(): the radio's channel, not the channel connect() scans
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
        if p == "channel":
            return int(_h.wlan_config("channel"))
        raise ValueError("unknown config param")
