# Board configuration: publishable (no secrets). Copy to board_config.py on the board.
# `mqboard sim` writes one for each virtual board.
mqtt = {
    "host": "broker.example.com",
    "port": 8883,
    "tls": True,  # verify the broker with ca (DER or PEM on the board's flash)
    "ca": "/ca.der",
    "prefix": "esp32/kitchen",  # every topic of this board starts with it
    "client_id": "esp32-kitchen",
    "keepalive": 60,
}
# reuse_lease: seconds a board reuses its last DHCP lease as a static address after a reset or a
# deep-sleep wake, which skips DHCP (0: always DHCP). Keep it well below the DHCP server's lease time.
wifi = {"ssid": "my-network", "reuse_lease": 3600}
# The RTC reads 2000-01-01 after power-on and TLS checks the broker certificate's dates against it:
# the clock is set by SNTP before the first TLS connection (None: never ask NTP).
ntp = {"servers": ["pool.ntp.org"], "port": 123, "timeout_ms": 1500}
watchdog = {"timeout": 300, "allok": 300, "revert": True}  # seconds
safemode_after = 2  # consecutive boots that never reached all OK before safe mode
status_interval = 60  # seconds between status refreshes
# ring/boot_log: bytes of published lines kept for a console that connects late (`logs` command)
log = {"console": "info", "mqtt": "info", "boot_console": "debug", "boot_mqtt": "debug", "ring": 1536, "boot_log": 1024}
modules = {"blinky": {"pin": 2, "period_ms": 1000}}
# Labels the console filters and targets rollouts by (at most 8, 1-24 characters of A-Z a-z 0-9 - _ .);
# `mqboard tags` overrides them from the console (stored in /tags.json on the board).
tags = ["kitchen"]
# Signed updates (docs/signing.md): the keys this board trusts (`mqboard keys show NAME` prints
# this entry); with require, put and ota without a good signature are refused.
# signing = {"require": True, "keys": {"<key id>": "<base64 modulus>"}}
