# Demo of a broken app: it raises when started. A board configured with it never reaches "all OK",
# resets at the end of each attempt and comes up in safe mode (docs/firmware.md): the console's
# demo fleet uses it so that the dashboard has a board in safe mode with a crash to show.
__version__ = "0.0.1"


def start(mqtt, cfg):
    raise RuntimeError(cfg.get("message", "faulty demo app failed to start"))
