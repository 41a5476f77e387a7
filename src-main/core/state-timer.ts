// One timer for the fleet's time-driven state changes (asleep → overdue → offline happen without
// any message): armed for the earliest change any board expects, re-armed after each run. Unref'd:
// a CLI that is done must not stay alive for a board's next wake.

export class StateTimer {
  private handle: ReturnType<typeof setTimeout> | undefined;
  private at = Number.POSITIVE_INFINITY;

  constructor(
    private readonly fire: () => void,
    private readonly clock: () => number,
  ) {}

  /** Makes sure the timer runs at `at` (ms, the clock's) at the latest. */
  schedule(at: number | undefined): void {
    if (at === undefined || at >= this.at) return;
    this.stop();
    this.at = at;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.fire();
    }, Math.max(0, at - this.clock()));
    this.handle.unref?.();
  }

  stop(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }
}
