# The boot state boot.py keeps in RTC memory (see boot.py for the layout), and the resets that
# change it: next boot normal, next boot safe, soft, hard.
import machine
from micropython import const

_MAGIC = b"MQB1"
_REASONS = ("", "boot loop", "import failure", "requested")
NORMAL = const(110)
SAFE = const(115)


def _mem():
    m = bytearray(machine.RTC().memory())
    if len(m) < 16 or m[0:4] != _MAGIC:
        m = bytearray(_MAGIC + bytes(12))
    return m


def safe_mode():
    return _mem()[11] == 83


def safe_reason():
    return _REASONS[_mem()[10]] if _mem()[10] < len(_REASONS) else "unknown"


def boot_count():
    return int.from_bytes(_mem()[4:8], "little")


def failed_boots():
    """Consecutive boots, this one included, that have not reached all OK."""
    return _mem()[8]


def set_failed_limit(n):
    m = _mem()
    m[12] = max(1, min(n, 255))
    machine.RTC().memory(m)


def mark_healthy():
    m = _mem()
    m[8] = 0
    machine.RTC().memory(m)


def reset(mode="hard"):
    """'normal' / 'safe': hard reset into that mode; 'soft'; 'hard' (mode as boot.py decides)."""
    if mode in ("normal", "safe"):
        m = _mem()
        m[9] = NORMAL if mode == "normal" else SAFE
        m[13] = 3
        machine.RTC().memory(m)
    if mode == "soft":
        machine.soft_reset()
    machine.reset()


def reset_when_sent(mqtt, mode="soft"):
    """Resets once what was published has been acknowledged (5 s at most), from a task of its own:
    PUBACKs are read by the MQTT reader task, which may be the caller. A soft reset is
    machine.soft_reset()'s SystemExit, which leaves the asyncio loop and asyncio.run() (the top
    level: ports/esp32/main.c soft-resets there)."""
    import asyncio

    async def later():
        try:
            await asyncio.wait_for(mqtt.wait_all_acked(), 5)
        finally:
            reset(mode)

    asyncio.create_task(later())
