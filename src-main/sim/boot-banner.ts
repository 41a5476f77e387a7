// What a virtual board prints on its serial console when the chip (re)starts, in the spirit of
// the ESP32 ROM and second-stage bootloader messages.
import type { BootDecision } from './ota-state.js';
import type { ResetCause } from './worker-protocol.js';
import { RESET_CAUSE } from './worker-protocol.js';

const NAMES: Record<ResetCause, string> = {
  [RESET_CAUSE.PWRON]: 'POWERON_RESET',
  [RESET_CAUSE.HARD]: 'HARD_RESET',
  [RESET_CAUSE.WDT]: 'WDT_RESET',
  [RESET_CAUSE.DEEPSLEEP]: 'DEEPSLEEP_RESET',
  [RESET_CAUSE.SOFT]: 'SOFT_RESET',
};

export const resetCauseName = (cause: ResetCause): string => NAMES[cause];

export function bootBanner(cause: ResetCause, decision: BootDecision): string {
  if (cause === RESET_CAUSE.SOFT) return 'MPY: soft reboot\n';
  const lines = [`rst:0x${cause.toString(16)} (${NAMES[cause]}),boot:0x13 (SPI_FAST_FLASH_BOOT)`];
  for (const note of decision.notes) lines.push(`W boot: ${note}`);
  if (decision.slot) {
    lines.push(`I boot: Loaded app from partition ${decision.slot}: ${decision.projectName} ${decision.version}${decision.pendingVerify ? ' (pending verify)' : ''}`);
  } else {
    lines.push('E boot: No bootable app partitions in the partition table');
  }
  return `\n${lines.join('\n')}\n`;
}
