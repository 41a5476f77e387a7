// Station-mode Wi-Fi of the virtual board: joins the simulated access point, loses and regains
// the link when the host cuts it, and reconnects by itself as the ESP32 port does. The join takes
// as long as the radio model says (src-main/sim/radio-timing.ts): the channel scan, the handshake,
// and DHCP unless the firmware set a static address with ifconfig() before connecting.
import type { RadioTiming } from '../radio-timing.js';
import { joinDelayMs } from '../radio-timing.js';
import { WLAN_STATUS } from '../worker-protocol.js';

/** The simulated access point's network: what its DHCP server hands out. */
const SUBNET = { mask: '255.255.255.0', gw: '10.42.0.1', dns: '10.42.0.1' };

/** ifconfig() set by the firmware: ip, mask, gateway, DNS. */
export type StaticIp = [string, string, string, string];

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + p, 0);
}

export class SimWlan {
  private isActive = false;
  private wanted: { ssid: string; key: string } | null = null;
  private timer: NodeJS.Timeout | undefined;
  status: number = WLAN_STATUS.IDLE;
  private hostname: string;
  /** Set by ifconfig((ip, mask, gw, dns)): the DHCP client is stopped, as on the ESP32 port. */
  private staticIp: StaticIp | null = null;

  constructor(
    private readonly ap: { ssid: string; password: string },
    private linkUp: boolean,
    private readonly info: { mac: string; ip: string },
    private readonly onLinkLost: () => void,
    private readonly radio: RadioTiming,
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

  /**
   * Whether packets get anywhere: associated, and the address is one the AP's network routes (a
   * stale static address from another network reaches nothing, though the ESP32 reports GOT_IP).
   * The sim does not model a conflict with another device holding the same address.
   */
  get routable(): boolean {
    if (!this.connected) return false;
    if (!this.staticIp) return true;
    const [ip, mask, gw] = this.staticIp.map(ipv4);
    const apGw = ipv4(SUBNET.gw)!;
    const apMask = ipv4(SUBNET.mask)!;
    return mask === apMask && gw === apGw && ip !== undefined && Math.floor(ip / 256) === Math.floor(apGw / 256) && ip !== apGw;
  }

  /**
   * ifconfig() with an argument, as the ESP32 port (ports/esp32/network_common.c): a 4-tuple stops
   * the DHCP client and sets the address (mask may be a prefix length); "dhcp" starts DHCP again.
   * Returns '' or the ValueError's message.
   */
  setIfconfig(value: string[] | 'dhcp'): string {
    if (value === 'dhcp') {
      this.staticIp = null;
      return '';
    }
    if (value.length !== 4) return 'requested length 4 but object has length ' + value.length;
    const [ip, maskIn, gw, dns] = value as StaticIp;
    const mask = /^\d{1,2}$/.test(maskIn) ? prefixMask(Number(maskIn)) : maskIn;
    if ([ip, mask, gw, dns].some((a) => ipv4(a) === undefined)) return 'invalid arguments';
    this.staticIp = [ip, mask, gw, dns];
    return '';
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
      case 'channel':
        // esp_wifi_get_channel(): the AP's channel once associated; channel 1 before.
        return String(this.connected ? this.radio.apChannel : 1);
      case 'ifconfig':
        if (this.staticIp) return this.staticIp.join(',');
        return this.connected ? `${this.info.ip},${SUBNET.mask},${SUBNET.gw},${SUBNET.dns}` : '0.0.0.0,0.0.0.0,0.0.0.0,0.0.0.0';
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
    }, joinDelayMs(this.radio, this.staticIp !== null));
    this.timer.unref?.();
  }
}

function prefixMask(bits: number): string {
  const m = bits <= 0 ? 0 : (0xffffffff << (32 - Math.min(bits, 32))) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}
