import { describe, expect, it } from 'vitest';
import type { BoardView } from '../../src-main/common/contract.js';
import { DEFAULT_QUERY, parseSearch, queryFleet, troubledFirst } from './fleet-query.js';
import type { FleetRow } from './fleet-query.js';

const board = (prefix: string, o: Partial<BoardView> = {}): FleetRow => ({
  key: `p/${prefix}`,
  profileId: 'p',
  prefix,
  online: true,
  lastSeen: 0,
  fw: '1.0',
  project: 'x',
  partition: 'ota_0',
  pendingVerify: false,
  safeMode: false,
  safeReason: '',
  resetCause: 'power-on',
  crashes: 0,
  uptime: 10,
  memFree: 1000,
  ip: null,
  rssi: null,
  proto: 2,
  caps: [],
  modules: {},
  state: o.online === false ? 'offline' : 'online',
  ...o,
});

const rows = [board('b-10', { memFree: 5 }), board('b-2', { online: false, memFree: null }), board('b-1', { safeMode: true, crashes: 2 }), board('lab', { crashes: 1, fw: '2.0' })];
const names = (r: FleetRow[]) => r.map((x) => x.prefix);

describe('fleet query', () => {
  it('sorts board names naturally (b-2 before b-10) and flips direction', () => {
    expect(names(queryFleet(rows, DEFAULT_QUERY))).toEqual(['b-1', 'b-2', 'b-10', 'lab']);
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, desc: true }))).toEqual(['lab', 'b-10', 'b-2', 'b-1']);
  });

  it('puts unknown values last when sorting numbers ascending', () => {
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, sort: 'mem', desc: true }))).toEqual(['b-1', 'lab', 'b-10', 'b-2']);
  });

  it('filters by status and searches text fields', () => {
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, filter: 'offline' }))).toEqual(['b-2']);
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, filter: 'crashed' }))).toEqual(['b-1', 'lab']);
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, filter: 'safe' }))).toEqual(['b-1']);
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, search: '2.0' }))).toEqual(['lab']);
    expect(names(queryFleet(rows, { ...DEFAULT_QUERY, search: 'LAB' }))).toEqual(['lab']);
  });

  it('filters battery boards by asleep and overdue, and sorts status online, asleep, overdue, offline', () => {
    const fleet = [board('z', { online: false, state: 'overdue' }), board('y', { online: false, state: 'asleep', wakeAt: 5 }), board('x', { online: false }), board('w')];
    expect(names(queryFleet(fleet, { ...DEFAULT_QUERY, filter: 'asleep' }))).toEqual(['y']);
    expect(names(queryFleet(fleet, { ...DEFAULT_QUERY, filter: 'overdue' }))).toEqual(['z']);
    expect(names(queryFleet(fleet, { ...DEFAULT_QUERY, filter: 'offline' }))).toEqual(['x']);
    expect(names(queryFleet(fleet, { ...DEFAULT_QUERY, sort: 'status', desc: true }))).toEqual(['w', 'y', 'z', 'x']);
  });

  it('lists boards in trouble with safe mode first, then by crashes', () => {
    expect(names(troubledFirst([board('a', { crashes: 1 }), board('b', { crashes: 5 }), board('c', { safeMode: true }), board('d')]))).toEqual(['c', 'b', 'a']);
  });
});

describe('fleet search by tag', () => {
  const rows = [
    board('esp32/kitchen', { tags: ['kitchen', 'battery'] }),
    board('esp32/garage', { tags: ['garage', 'battery'] }),
    board('lab/kitchen-2', { tags: ['Kitchen'] }),
    board('lab/plain'),
  ];
  const find = (search: string) => queryFleet(rows, { ...DEFAULT_QUERY, search }).map((r) => r.prefix);

  it('tag:X keeps the boards with that tag (any case); several tag: terms must all match', () => {
    expect(find('tag:kitchen')).toEqual(['esp32/kitchen', 'lab/kitchen-2']);
    expect(find('tag:battery')).toEqual(['esp32/garage', 'esp32/kitchen']);
    expect(find('tag:battery tag:kitchen')).toEqual(['esp32/kitchen']);
    expect(find('tag:kitch')).toEqual([]); // a tag matches whole, unlike the free text
    expect(find('tag:nosuch')).toEqual([]);
  });

  it('combines tag: terms with the free text, which also finds tags', () => {
    expect(find('tag:kitchen lab')).toEqual(['lab/kitchen-2']);
    expect(find('garage')).toEqual(['esp32/garage']);
    expect(find('batt')).toEqual(['esp32/garage', 'esp32/kitchen']);
    expect(parseSearch('  tag:A  esp32 tag: ')).toEqual({ needle: 'esp32 tag:', tags: ['a'] });
  });
});
