// Station-mode Wi-Fi of the virtual board: joins the simulated access point, loses and regains
// the link when the host cuts it, and reconnects by itself as the ESP32 port does.
import { WLAN_STATUS } from '../worker-protocol.js';

const ASSOCIATE_MS = 120;

export class SimWlan {
  private isActive = false;
  private wanted: { ssid: string; key: string } | null = null;
  private timer: NodeJS.Timeout | undefined;
  status: number = WLAN_STATUS.IDLE;
  private hostname: string;

  constructor(
    private readonly ap: { ssid: string; password: string },
    private linkUp: boolean,
    private readonly info: { mac: string; ip: string },
    private readonly onLinkLost: () => void,
  ) {
    this.hostname = `esp32-${info.mac.slice(-6)}`;
  }

  active(v: number): number {
    if (v === 0) {
      this.disconnect();
      this.isActive = false;
    } else if (v === 1) {
      this.isActive = true;
    }
    return this.isActive ? 1 : 0;
  }

  connect(ssid: string, key: string): void {
    this.wanted = { ssid, key };
    this.associate();
  }

  disconnect(): void {
    this.wanted = null;
    clearTimeout(this.timer);
    if (this.status === WLAN_STATUS.GOT_IP) this.onLinkLost();
    this.status = WLAN_STATUS.IDLE;
  }

  setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    if (!up && this.status === WLAN_STATUS.GOT_IP) {
      this.onLinkLost();
      this.status = WLAN_STATUS.CONNECTING;
    } else if (up && this.wanted) {
      this.associate();
    }
  }

  get connected(): boolean {
    return this.status === WLAN_STATUS.GOT_IP;
  }

  config(key: string): string {
    switch (key) {
      case 'mac':
        return this.info.mac;
      case 'ssid':
        return this.wanted?.ssid ?? '';
      case 'hostname':
        return this.hostname;
      case 'rssi':
        return '-58';
      case 'ifconfig':
        return this.connected ? `${this.info.ip},255.255.255.0,10.42.0.1,10.42.0.1` : '0.0.0.0,0.0.0.0,0.0.0.0,0.0.0.0';
      default:
        return '';
    }
  }

  set(key: string, value: string): void {
    if (key === 'hostname') this.hostname = value;
  }

  private associate(): void {
    clearTimeout(this.timer);
    this.status = WLAN_STATUS.CONNECTING;
    this.timer = setTimeout(() => {
      const want = this.wanted;
      if (!want) return;
      if (!this.linkUp || want.ssid !== this.ap.ssid) this.status = WLAN_STATUS.NO_AP_FOUND;
      else if (want.key !== this.ap.password) this.status = WLAN_STATUS.WRONG_PASSWORD;
      else this.status = WLAN_STATUS.GOT_IP;
      // The ESP32 port keeps retrying an AP that is out of reach.
      if (this.status === WLAN_STATUS.NO_AP_FOUND && want.ssid === this.ap.ssid) this.status = WLAN_STATUS.CONNECTING;
    }, ASSOCIATE_MS);
    this.timer.unref?.();
  }
}
