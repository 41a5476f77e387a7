import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAppImage, corruptImage } from './firmware-image-builder.js';
import { closeTestBoards, createTestBoard } from './test-boards.js';
import type { VirtualBoard } from './virtual-board.js';

afterEach(closeTestBoards);

// Firmware-side OTA helper, as an app would write it: stream fw.bin into the next partition.
const OTA_HELPER = `
from esp32 import Partition
import machine, os
def flash(name, boot=True):
    p = Partition(Partition.RUNNING).get_next_update()
    buf = bytearray(4096)
    i = 0
    with open(name, "rb") as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            if n < 4096:
                buf[n:] = b"\\xff" * (4096 - n)
            p.writeblocks(i, buf)
            i += 1
    if boot:
        p.set_boot()
    return p.info()[4]
`;

function putFirmware(board: VirtualBoard, name: string, image: Uint8Array): void {
  fs.writeFileSync(path.join(board.state.flashDir, name), image);
}

async function resetAndWait(board: VirtualBoard): Promise<void> {
  const booted = new Promise<void>((resolve) => board.once('boot', () => resolve()));
  await board.probe('machine.reset()').catch(() => undefined);
  await booted;
  await board.waitForSerial(/READY/);
}

describe('virtual board: OTA partitions with rollback', () => {
  it('boots a new image pending-verify, rolls back if unconfirmed, keeps it once confirmed', async () => {
    const board = createTestBoard({ files: { 'main.py': `${OTA_HELPER}\nprint("READY")\n` } });
    const ready = board.waitForSerial(/READY/);
    await board.powerOn();
    await ready;
    expect(board.lastBoot).toMatchObject({ slot: 'ota_0', version: '', micropython: 'v1.27.0', pendingVerify: false });

    putFirmware(board, 'v2.bin', buildAppImage({ version: 'v2.0.0-test', totalSize: 300_000 }));
    expect(await board.probeJson('flash("v2.bin")')).toBe('ota_1');
    await resetAndWait(board);
    expect(board.lastBoot).toMatchObject({ slot: 'ota_1', version: 'v2.0.0-test', pendingVerify: true });
    // os.uname() is MicroPython's release, compiled into the code, whatever the app descriptor says.
    expect(await board.probeJson('os.uname().release')).toBe('1.27.0');
    expect(await board.probeJson('Partition(Partition.RUNNING).info()[4]')).toBe('ota_1');

    await resetAndWait(board); // never confirmed: the bootloader rolls back
    expect(board.lastBoot).toMatchObject({ slot: 'ota_0', version: '', micropython: 'v1.27.0' });
    expect(board.lastBoot?.notes.join()).toMatch(/rollback/);

    expect(await board.probeJson('flash("v2.bin")')).toBe('ota_1');
    await resetAndWait(board);
    expect(board.lastBoot).toMatchObject({ slot: 'ota_1', pendingVerify: true });
    await board.probe('Partition.mark_app_valid_cancel_rollback()');
    await resetAndWait(board);
    expect(board.lastBoot).toMatchObject({ slot: 'ota_1', version: 'v2.0.0-test', pendingVerify: false });
  });

  it('refuses set_boot on an invalid image, and falls back when the boot image is damaged', async () => {
    const board = createTestBoard({ files: { 'main.py': `${OTA_HELPER}\nprint("READY")\n` } });
    const ready = board.waitForSerial(/READY/);
    await board.powerOn();
    await ready;
    putFirmware(board, 'bad.bin', corruptImage(buildAppImage({ version: 'v3', totalSize: 100_000 }), 'checksum'));
    await expect(board.probe('flash("bad.bin")')).rejects.toThrow(/ESP_ERR_OTA_VALIDATE_FAILED.*checksum/);

    // A valid image is accepted, then the partition gets damaged before the next boot.
    putFirmware(board, 'ok.bin', buildAppImage({ version: 'v3.0.0', totalSize: 100_000 }));
    await board.probe('flash("ok.bin")');
    await board.probe('Partition("ota_1").writeblocks(0, bytearray(4096))');
    await resetAndWait(board);
    expect(board.lastBoot).toMatchObject({ slot: 'ota_0', version: '', micropython: 'v1.27.0' });
    expect(board.lastBoot?.notes.join()).toMatch(/ota_1: invalid app image/);
  });

  it("has the stock OTA table's 1.5 MiB app slots and 960 KiB file system (partitions-4MiB-ota.csv), other tables as an option", async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    await board.probe('import esp32, os\nP = esp32.Partition');
    expect(await board.probeJson('P(P.RUNNING).info()[:5]')).toEqual([0, 0x10, 0x10000, 0x180000, 'ota_0']);
    expect(await board.probeJson('P(P.RUNNING).get_next_update().info()[:5]')).toEqual([0, 0x11, 0x190000, 0x180000, 'ota_1']);
    expect(await board.probeJson('(lambda s: s[0] * s[2])(os.statvfs("/"))')).toBe(0xf0000);
    // Writing past the slot's end is refused, as the port's esp_partition_write does.
    await expect(board.probe('P("ota_1").writeblocks(384, bytearray(4096))')).rejects.toThrow(/OSError: \[Errno 22\]/);
    const big = createTestBoard({ runBootFiles: false, partitionTable: { appSize: 0x200000, fsSize: 0x1c0000 } });
    await big.powerOn();
    await big.probe('import esp32, os\nP = esp32.Partition');
    expect(await big.probeJson('P("ota_1").info()[2:4]')).toEqual([0x210000, 0x200000]);
    expect(await big.probeJson('(lambda s: s[0] * s[2])(os.statvfs("/"))')).toBe(0x1c0000);
    expect(() => createTestBoard({ partitionTable: { appSize: 1000, fsSize: 0x1000 } })).toThrow(/appSize must be a positive multiple of 4096/);
  });

  it('reads unwritten flash as 0xFF and programs without erase like NOR flash', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    await board.probe('from esp32 import Partition\np = Partition("ota_1")\nb = bytearray(8)\np.readblocks(100, b)');
    expect(await board.probeJson('list(b)')).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    await board.probe('p.writeblocks(100, b"\\x0f" * 8, 0)\np.writeblocks(100, b"\\xf3" * 8, 0)\np.readblocks(100, b)');
    expect(await board.probeJson('list(b)')).toEqual(Array(8).fill(0x03));
    expect(await board.probeJson('(p.ioctl(4, 0), p.ioctl(5, 0))')).toEqual([384, 4096]); // 0x180000 / 4096
    // As the port: a write without offset erases whole sectors only; an unknown label is ENOENT.
    await expect(board.probe('p.writeblocks(2, b"\\x00" * 100)')).rejects.toThrow(/ESP_ERR_INVALID_SIZE/);
    await expect(board.probe('Partition("nope")')).rejects.toThrow(/OSError: \[Errno 2\] ENOENT/);
    // Writing far into a partition leaves the blocks before it erased.
    await board.probe('p.writeblocks(300, b"\\x00" * 4096)\np.readblocks(200, b)');
    expect(await board.probeJson('list(b)')).toEqual(Array(8).fill(0xff));
  });
});

describe('virtual board: power cut in the middle of a write', () => {
  it('leaves a torn file that the next boot sees', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    const cut = new Promise<void>((resolve) => board.once('power-cut', resolve));
    board.armPowerCut({ target: 'file', pathIncludes: 'data.bin', keepBytes: 100 });
    void board.probe('open("data.bin", "wb").write(b"x" * 4096)').catch(() => undefined);
    await cut;
    expect(board.power).toBe('off');
    await board.powerOn();
    expect(await board.probeJson('len(open("data.bin", "rb").read())')).toBe(100);
  });

  it('leaves a torn flash block and the old firmware still boots', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    const cut = new Promise<void>((resolve) => board.once('power-cut', resolve));
    board.armPowerCut({ target: 'flash', afterWrites: 1, keepBytes: 2048 });
    await board.probe('from esp32 import Partition\np = Partition("ota_1")');
    void board.probe('p.writeblocks(0, b"\\xaa" * 4096)\np.writeblocks(1, b"\\x55" * 4096)').catch(() => undefined);
    await cut;
    await board.powerOn();
    expect(board.lastBoot).toMatchObject({ slot: 'ota_0', version: '', micropython: 'v1.27.0' });
    await board.probe('from esp32 import Partition\nb = bytearray(4096)\nPartition("ota_1").readblocks(1, b)');
    expect(await board.probeJson('(b[0], b[2047], b[2048], b[4095])')).toEqual([0x55, 0x55, 0xff, 0xff]);
  });
});
