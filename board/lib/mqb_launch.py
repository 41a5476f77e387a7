# The module launcher: reads the board config, starts logging, Wi-Fi, MQTT, commands, status,
# crash log and watchdog, then each app module named in the config (`start(mqtt, config)`):
# a module that fails is logged and recorded, the others keep running. Uncaught exceptions in
# tasks go to the crash log and reset the board.
import asyncio
import gc
import machine
import sys
import time
import mqb_clock
import mqb_crash
import mqb_log
import mqb_state

log = mqb_log.getLogger("main")
board = None  # the running Board, reachable from eval and the REPL as mqb_launch.board
_LEVELS = {"debug": mqb_log.DEBUG, "info": mqb_log.INFO, "warning": mqb_log.WARNING, "error": mqb_log.ERROR}


class Board:
    """The running framework: mqtt, prefix, config, commands, wifi, watchdog, tasks (apps append
    theirs). Apps reach it as mqtt.board."""

    def __init__(self, cfg, sec):
        self.cfg = cfg
        self.sec = sec
        self.prefix = cfg.mqtt["prefix"]
        self.started = time.ticks_ms()
        self.modules = {}
        self.problems = []
        self.duty = None  # mqb_sleep.DutyCycle of a battery board


def _ssl(m):
    if not m.get("tls"):
        return None
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    with open(m.get("ca", "/ca.der"), "rb") as f:
        ctx.load_verify_locations(cadata=f.read())
    return ctx


def _clock_gate(b, tls):
    """Awaited before each connection attempt, once Wi-Fi is up: the clock must be set before a
    verified TLS handshake, so with TLS the board waits for NTP (bounded by its timeouts); without
    TLS it syncs in the background and connects at once."""
    ntp = getattr(b.cfg, "ntp", {})
    state = [None]  # the background sync task of a board without TLS

    async def gate():
        if ntp is None or mqb_clock.source in ("rtc", "ntp"):
            return
        if tls:
            await mqb_clock.sync(ntp, log)
        elif state[0] is None or state[0].done():
            state[0] = asyncio.create_task(mqb_clock.sync(ntp, log))

    return gate


def _crash_and_reset(where, exc):
    log.exc(exc, "uncaught exception in %s", where)
    mqb_crash.record(exc, where)
    machine.reset()


def _loop_exception(loop, context):
    _crash_and_reset("task", context.get("exception") or Exception(context.get("message", "?")))


async def publish_status(b):
    """The retained status, now (at connect, all OK, a tags change and every status_interval)."""
    import mqb_status

    await b.mqtt.publish(b.prefix + "/mqb/status", mqb_status.build(b.prefix, b.started, b.wifi, b.modules), retain=True, qos=1)


async def _status_loop(b):
    while True:
        await asyncio.sleep(getattr(b.cfg, "status_interval", 60))
        mqb_clock.save()  # the last known time, for a boot where NTP cannot be reached
        await publish_status(b)


def _start_modules(b):
    if mqb_state.safe_mode():
        log.warning("safe mode (%s): app modules are not started", mqb_state.safe_reason())
        return
    for name, mcfg in getattr(b.cfg, "modules", {}).items():
        try:
            mod = __import__(name)
            mod.start(b.mqtt, mcfg)
            b.modules[name] = getattr(mod, "__version__", "?")
            log.info("started %s %s", name, b.modules[name])
        except Exception as e:
            b.modules[name] = "failed: %r" % e
            b.problems.append(name)
            log.exc(e, "module %s failed to start", name)
            mqb_crash.record(e, "start:" + name)
    gc.collect()


async def _main(b):
    import mqb_status
    from mqb_cmd import Commands
    from mqb_wdt import Watchdog

    asyncio.get_event_loop().set_exception_handler(_loop_exception)
    b.mqtt.start()
    b.commands = Commands(b.mqtt, b.prefix)
    b.commands.register("crashlog", _crashlog_cmd)
    b.commands.register("reset", _reset_cmd)
    b.commands.register("logs", mqb_log.logs_cmd)
    for name, module in _COMMANDS:
        b.commands.register(name, _on_demand(module, name + "_cmd"))
    b.commands.register("tty", _on_demand("mqb_tty", "tty_cmd"))
    sleep = getattr(b.cfg, "sleep", None)
    if sleep:
        from mqb_sleep import DutyCycle

        b.duty = b.commands.duty = mqb_status.duty = DutyCycle(b, sleep["period"], sleep["awake"], sleep.get("max_awake", 60))
        b.commands.register("awake", _awake_cmd)
    await b.commands.start()
    wd = b.cfg.watchdog if hasattr(b.cfg, "watchdog") else {}

    async def healthy():
        mqb_status.confirm()
        await publish_status(b)

    b.watchdog = Watchdog(b.mqtt, b.commands, wd.get("timeout", 300), wd.get("allok", 300), wd.get("revert", True), b.problems, healthy)
    b.tasks = [b.watchdog.start(), asyncio.create_task(mqb_log.pump(b.mqtt, b.prefix + "/log")), asyncio.create_task(_status_loop(b))]

    async def on_connect():
        await publish_status(b)
        if mqb_crash.count():
            await mqb_crash.publish(b.mqtt, b.prefix)

    if b.duty:
        b.tasks.append(asyncio.create_task(b.duty.run()))
    b.mqtt.on_connect.append(on_connect)
    _start_modules(b)
    while True:
        await asyncio.sleep(3600)


# Commands whose module is imported on first use: most boots never need them, and each module
# costs heap once imported (mqb_status.CAPS lists them all).
_COMMANDS = (("eval", "mqb_repl"), ("exec", "mqb_repl"), ("get", "mqb_files"), ("put", "mqb_files"),
             ("ota", "mqb_ota"), ("otastat", "mqb_ota"), ("ls", "mqb_fs"), ("stat", "mqb_fs"),
             ("mkdir", "mqb_fs"), ("rm", "mqb_fs"), ("rmdir", "mqb_fs"), ("mv", "mqb_fs"), ("df", "mqb_fs"),
             ("tags", "mqb_tags_cmd"))


def _on_demand(module, fn):
    async def handler(cmds, cid, tail, seq, last, payload):
        m = sys.modules.get(module)
        if m is None:
            m = __import__(module)
            gc.collect()
        h = getattr(m, fn)
        cmds.register(fn[:-4], h)  # imported now: the next messages (a stream's) go straight there
        await h(cmds, cid, tail, seq, last, payload)

    return handler


async def _crashlog_cmd(cmds, cid, tail, seq, last, payload):
    if bytes(payload) == b"clear":
        mqb_crash.clear()
        await mqb_crash.publish(cmds.mqtt, cmds.prefix)
        await cmds.reply(cid, b"OK")
    else:
        import json

        await cmds.reply(cid, json.dumps(mqb_crash.records()).encode())


async def _awake_cmd(cmds, cid, tail, seq, last, payload):
    try:
        secs = int(bytes(payload).decode() or "0")
    except ValueError:
        await cmds.err(cid, "awake takes a number of seconds")
        return
    left = board.duty.hold(secs)
    log.info("staying awake %d s (asked by the console)", left)
    await cmds.reply(cid, b"OK")


async def _reset_cmd(cmds, cid, tail, seq, last, payload):
    mode = bytes(payload).decode() or "hard"
    if mode not in ("normal", "safe", "soft", "hard"):
        await cmds.err(cid, "reset mode must be normal, safe, soft or hard")
        return
    await cmds.reply(cid, b"OK")
    mqb_state.reset_when_sent(cmds.mqtt, mode)


def main():
    try:
        import board_config as cfg
        import board_secrets as sec
    except Exception as e:
        _crash_and_reset("config", e)
    lc = getattr(cfg, "log", {})
    mqb_log.configure(**{k: _LEVELS.get(v, v) for k, v in lc.items()})
    mqb_state.set_failed_limit(getattr(cfg, "safemode_after", 2))
    cause = machine.reset_cause()
    if cause == machine.DEEPSLEEP_RESET:
        mqb_log.running()  # a timer wake is routine: no boot-level (debug) log traffic at every wake
    mqb_clock.boot()
    if cause == machine.WDT_RESET:
        mqb_crash.record("watchdog reset", "wdt")
    global board
    b = board = Board(cfg, sec)
    from mqb_net import WiFi

    m = cfg.mqtt
    b.wifi = WiFi(cfg.wifi["ssid"], sec.wifi_password, m.get("client_id"), cfg.wifi.get("reuse_lease", 3600))
    b.wifi.start()  # the join runs in the Wi-Fi driver while the imports below compile
    import mqb_status
    from mqb_mqtt import MQTTClient
    b.mqtt = mq = MQTTClient(
        m["host"], m.get("port", 8883 if m.get("tls") else 1883), m.get("client_id", b.prefix.replace("/", "-")),
        user=getattr(sec, "mqtt_user", None), password=getattr(sec, "mqtt_password", None), ssl=_ssl(m),
        server_hostname=m.get("server_hostname"), keepalive=m.get("keepalive", 60),
        # A sleeping board keeps its session: commands published while it sleeps wait in the broker.
        clean=m.get("clean", not getattr(cfg, "sleep", None)),
        will=(b.prefix + "/mqb/status", mqb_status.offline(b.prefix), True, 1), wifi=b.wifi,
        max_msg=m.get("max_msg", 4608),
    )
    mq.before_connect = _clock_gate(b, m.get("tls"))
    # Apps get the client (start(mqtt, config)); through it they reach their prefix and the board.
    mq.prefix = b.prefix
    mq.board = b
    log.info("MQBoard %s, %s mode, boot %d", b.prefix, "safe" if mqb_state.safe_mode() else "normal", mqb_state.boot_count())
    gc.collect()
    asyncio.run(_guarded(b))


async def _guarded(b):
    try:
        await _main(b)
    except Exception as e:
        _crash_and_reset("main", e)
