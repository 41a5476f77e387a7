// What a wake costs on an ESP32 before the firmware can send a byte, modelled on the virtual
// board so that wake figures (bench/, docs/low-power.md) mean something. Pure data: shared by the
// host (the bootloader's delay) and the worker (the Wi-Fi join).
//
// Sources (published measurements, see docs/low-power.md "Figures"):
// - bootloader image check: 217 ms of a 635 ms stock wake→sleep cycle on an ESP32-S3
//   (glenn20/upy-esp32-experiments, measured with a power profiler). Stock MicroPython builds do
//   not set CONFIG_BOOTLOADER_SKIP_VALIDATE_IN_DEEP_SLEEP, so every chip reset pays it.
// - DHCP: wake → one MQTT publish took 774 ms with a static IP against 1.6 s with DHCP (same
//   source): the DHCP exchange costs ~830 ms.
// - channel scan: mqtt_as (Peter Hinch) reconnects in 1.8 s on a known channel against 4.2 s for a
//   full join: ~2.4 s for the 13 channels, ~185 ms a channel. The ESP32 port's connect() scans
//   channel by channel from 1 and stops at the first matching access point (ESP-IDF fast scan;
//   the port passes no channel: ports/esp32/network_wlan.c), so an AP on channel 6 costs 6 channels.
// - authentication + association + WPA2 4-way handshake: ~150 ms (what is left of the 774 ms
//   static-IP wake once boot, file system and the publish are taken out).

export interface RadioTiming {
  /** Second-stage bootloader before the app starts, at every chip reset (not a soft reset). */
  bootCheckMs: number;
  /** Active scan time per channel while connect() looks for the access point. */
  scanMsPerChannel: number;
  /** The simulated access point's channel (1-13). */
  apChannel: number;
  /** Authentication, association and the WPA2 handshake once the AP is found. */
  associateMs: number;
  /** A DHCP lease (none with a static address set by ifconfig()). */
  dhcpMs: number;
}

export const RADIO_ESP32: RadioTiming = { bootCheckMs: 217, scanMsPerChannel: 185, apChannel: 6, associateMs: 150, dhcpMs: 830 };

/** For tests that are about something else: a join as fast as the old fixed 120 ms, no bootloader delay. */
export const RADIO_INSTANT: RadioTiming = { bootCheckMs: 0, scanMsPerChannel: 0, apChannel: 6, associateMs: 120, dhcpMs: 0 };

export type RadioProfile = 'esp32' | 'instant';

export function radioTiming(profile: RadioProfile | RadioTiming | undefined): RadioTiming {
  if (profile === undefined || profile === 'esp32') return RADIO_ESP32;
  if (profile === 'instant') return RADIO_INSTANT;
  return profile;
}

/** How long connect() takes to reach "got IP": the scan up to the AP's channel, the handshake, DHCP unless static. */
export function joinDelayMs(t: RadioTiming, staticIp: boolean): number {
  return t.apChannel * t.scanMsPerChannel + t.associateMs + (staticIp ? 0 : t.dhcpMs);
}
