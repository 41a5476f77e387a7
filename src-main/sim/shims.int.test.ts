import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard, probeAsync } from './test-boards.js';

afterEach(closeTestBoards);

async function bareBoard(opts: { radio?: 'esp32' } = {}) {
  const board = createTestBoard({ runBootFiles: false, ...opts });
  await board.powerOn();
  return board;
}

describe('virtual board shims', () => {
  it('machine: unique_id, freq, Pin state visible to the host, ESP32 pin limits', async () => {
    const board = await bareBoard();
    await board.probe('import machine');
    expect(await board.probeJson('len(machine.unique_id())')).toBe(6);
    expect(await board.probeJson('machine.unique_id().hex()')).toBe(board.state.identity.uniqueIdHex);
    expect(await board.probeJson('machine.freq()')).toBe(160_000_000);
    await expect(board.probe('machine.freq(123)')).rejects.toThrow(/ValueError/);

    const seen: Array<[number, number]> = [];
    board.on('pin', (pin, value) => seen.push([pin, value]));
    await board.probe('led = machine.Pin(2, machine.Pin.OUT)\nled.on()\nled.off()\nled(1)');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([[2, 1], [2, 0], [2, 1]]);
    expect(board.pins.get(2)).toBe(1);
    expect(await board.probeJson('led.value()')).toBe(1);
    await expect(board.probe('machine.Pin(6)')).rejects.toThrow(/invalid pin/);
    await expect(board.probe('machine.Pin(34, machine.Pin.OUT)')).rejects.toThrow(/input/);
  });

  it('os: uname, urandom, dupterm captures terminal output; ESP32-only names', async () => {
    const board = await bareBoard();
    await board.probe('import os');
    expect(await board.probeJson('os.uname().sysname')).toBe('esp32');
    expect(await board.probeJson('os.uname().release')).toBe('1.27.0');
    expect(await board.probeJson('len(os.urandom(16))')).toBe(16);
    expect(await board.probeJson('hasattr(os, "VfsPosix")')).toBe(false);
    await board.probe([
      'class Cap:',
      '    def __init__(self):',
      '        self.data = bytearray()',
      '    def write(self, b):',
      '        self.data += b',
      '        return len(b)',
      '    def readinto(self, b):',
      '        return None',
      'cap = Cap()',
      'os.dupterm(cap)',
      'print("captured", 1 + 1)',
      'os.dupterm(None)',
      'print("not captured")',
    ].join('\n'));
    expect(await board.probeJson('bytes(cap.data).decode()')).toBe('captured 2\n');
  });

  it('os.dupterm: one slot as on the ESP32 port; a stream whose write() raises is detached and closed', async () => {
    const board = await bareBoard();
    await board.probe('import os');
    await expect(board.probe('os.dupterm(None, 1)')).rejects.toThrow(/ValueError: invalid dupterm index/);
    await board.probe([
      'class Bad:',
      '    closed = False',
      '    def write(self, b):',
      '        raise OSError(5)',
      '    def readinto(self, b):',
      '        return None',
      '    def close(self):',
      '        self.closed = True',
      'bad = Bad()',
      'os.dupterm(bad)',
      'print("first")',
      'print("second")',
    ].join('\n'));
    expect(await board.probeJson('[os.dupterm(None) is None, bad.closed]')).toEqual([true, true]);
  });

  it('gc: reports an ESP32-sized heap and a high-water mark the host can read', async () => {
    const board = await bareBoard();
    await board.probe('import gc');
    const free = await board.probeJson<number>('gc.mem_free()');
    expect(free).toBeGreaterThan(60_000);
    expect(free).toBeLessThanOrEqual(110 * 1024);
    const before = board.heap().peak;
    await board.probe('big = bytearray(40_000)\ngc.mem_alloc()\ndel big\ngc.collect()');
    expect(board.heap().peak).toBeGreaterThanOrEqual(before + 40_000);
    expect(await board.probeJson('gc.mem_alloc()')).toBeLessThan(board.heap().peak);
  });

  it('asyncio: uasyncio alias, ThreadSafeFlag, open_connection present', async () => {
    const board = await bareBoard();
    expect(await board.probeJson('__import__("uasyncio") is __import__("asyncio")')).toBe(true);
    await board.probe('import asyncio\nflag = asyncio.ThreadSafeFlag()\nasync def waiter():\n    await flag.wait()\n    return "woke"\nasync def both():\n    t = asyncio.create_task(waiter())\n    await asyncio.sleep_ms(10)\n    flag.set()\n    return await t');
    expect(await probeAsync(board, 'both()')).toBe('woke');
    expect(await board.probeJson('callable(asyncio.open_connection)')).toBe(true);
  });

  it('an injected crash raises once from the next call into the hardware', async () => {
    const board = await bareBoard();
    await board.probe('import machine');
    board.crash();
    await new Promise((r) => setTimeout(r, 20));
    await expect(board.probe('machine.unique_id()')).rejects.toThrow(/injected crash/);
    expect(await board.probeJson('len(machine.unique_id())')).toBe(6);
  });

  it('deep sleep keeps RTC memory and wakes with DEEPSLEEP_RESET', async () => {
    const board = createTestBoard({ files: { 'main.py': 'import machine\nprint("WAKE", machine.reset_cause(), machine.RTC().memory())\n' } });
    const first = board.waitForSerial(/WAKE 1 b''/);
    await board.powerOn();
    await first;
    const woke = board.waitForSerial(/WAKE 4 b'zz'/);
    await board.probe('machine.RTC().memory(b"zz")\nmachine.deepsleep(200)').catch(() => undefined);
    expect(board.power).toBe('deepsleep');
    await woke;
  });

  it('network: joins the simulated access point; a wrong key or SSID gives the ESP32 status', async () => {
    const board = await bareBoard();
    await board.probe('import network\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.connect("mqboard-sim", "wrong")');
    await new Promise((r) => setTimeout(r, 300));
    expect(await board.probeJson('(w.isconnected(), w.status() == network.STAT_WRONG_PASSWORD)')).toEqual([false, true]);
    await board.probe('w.connect("mqboard-sim", "virtual-board")');
    await new Promise((r) => setTimeout(r, 300));
    expect(await board.probeJson('(w.isconnected(), w.status() == network.STAT_GOT_IP, w.ifconfig()[0].startswith("10.42.0."))')).toEqual([true, true, true]);
    expect(await board.probeJson('len(w.config("mac"))')).toBe(6);
    board.setLink(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(await board.probeJson('(w.isconnected(), w.status() == network.STAT_CONNECTING)')).toEqual([false, true]);
    board.setLink(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await board.probeJson('w.isconnected()')).toBe(true);
  });

  it('network on the ESP32 radio model: the join takes the channel scan and DHCP, a static ifconfig() skips DHCP; no channel option', async () => {
    const board = await bareBoard({ radio: 'esp32' });
    const joinMs = async (setup: string) => {
      await board.probe(`import network, time\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.disconnect()\n${setup}\nw.connect("mqboard-sim", "virtual-board")\nt0 = time.ticks_ms()`);
      for (;;) {
        const [up, ms] = await board.probeJson<[boolean, number]>('(w.isconnected(), time.ticks_diff(time.ticks_ms(), t0))');
        if (up) return ms;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const dhcp = await joinMs('w.ifconfig("dhcp")');
    expect(dhcp).toBeGreaterThanOrEqual(6 * 185 + 150 + 830 - 30); // channel 6, handshake, DHCP
    const lease = await board.probeJson<string[]>('w.ifconfig()');
    expect(await board.probeJson('w.config("channel")')).toBe(6);
    const fast = await joinMs(`w.ifconfig(${JSON.stringify(lease).replace('[', '(').replace(']', ')')})`);
    expect(dhcp - fast).toBeGreaterThan(600);
    expect(await board.probeJson('list(w.ifconfig())')).toEqual(lease);
    // As the port: bad addresses are a ValueError; connect() takes no channel (it scans from 1).
    await expect(board.probe('w.ifconfig(("1.2.3", "255.255.255.0", "1.2.3.1", "1.2.3.1"))')).rejects.toThrow(/ValueError: invalid arguments/);
    await expect(board.probe('w.ifconfig("static")')).rejects.toThrow(/ValueError: invalid arguments/);
    await expect(board.probe('w.connect("mqboard-sim", "virtual-board", channel=6)')).rejects.toThrow(/TypeError/);
  });

  it('refuses probes on a board that is off', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await expect(board.probe('1')).rejects.toThrow(/is not running/);
  });
});
