import { describe, expect, it } from 'vitest';
import { CrashRecord as CrashRecordSchema } from '../common/contract.js';
import { contract } from '../common/contract.js';
import { validate } from '../common/schema.js';
import { parseCrashRecords } from './crash-records.js';

describe('parseCrashRecords', () => {
  it('clips what a board sends to the contract\'s limits: oversized fields, too many records', () => {
    const huge = { t: 1, boot: 2, where: 'w'.repeat(5_000), error: 'e'.repeat(20_000), exc: 't'.repeat(200_000) };
    const [r] = parseCrashRecords(JSON.stringify([huge]));
    expect(validate(CrashRecordSchema, r).ok).toBe(true);
    expect(r!.where).toMatch(/^w+…$/);
    const many = parseCrashRecords(JSON.stringify(Array.from({ length: 1_500 }, (_, i) => ({ t: i, exc: 'x' }))));
    expect(validate(contract.requests['board.crashlog'].result, many).ok).toBe(true);
    expect(many[0]!.t).toBe(500); // the newest are kept (the board appends)
  });
});
