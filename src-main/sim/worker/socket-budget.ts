// lwIP's socket table, shared by everything on a board that opens a socket: the asyncio streams
// (sim-net.ts) and the `socket` module (sim-sock-client.ts). On the port both end in lwip_socket(),
// which fails with ENFILE once CONFIG_LWIP_MAX_SOCKETS are open (lwip/src/api/sockets.c,
// alloc_socket); a socket's slot is freed only by its close(), never by the peer's.

/**
 * CONFIG_LWIP_MAX_SOCKETS: ESP-IDF's default (components/lwip/Kconfig), which MicroPython's
 * ports/esp32/boards/sdkconfig.base does not change.
 */
export const LWIP_MAX_SOCKETS = 10;

export class SocketBudget {
  private used = 0;

  constructor(private readonly limit = LWIP_MAX_SOCKETS) {}

  get open(): number {
    return this.used;
  }

  /** Takes a slot; false when the table is full (the caller raises ENFILE). */
  take(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  release(): void {
    if (this.used > 0) this.used--;
  }
}
