// The app module the rollout tests put on every virtual board: it raises at import when the
// booted image's version has "-bad" in it. The simulator runs the Python on flash whatever the
// image holds (docs/virtual-board.md), so this is how an image "whose app crashes at boot" is made.
export const ROLLOUT_CHECK_APP = 'import mqb_status\nif "-bad" in mqb_status.firmware()[0]:\n    raise RuntimeError("this firmware breaks the app")\n\ndef start(mqtt, cfg):\n    pass\n';

/** Where it goes on the flash, and the board_config.py modules entry that starts it. */
export const ROLLOUT_CHECK_FILE = 'src/fwcheck.py';
export const ROLLOUT_CHECK_MODULES = { fwcheck: {} };
