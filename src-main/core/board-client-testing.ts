// Helpers shared by the BoardClient unit tests: a client with predictable command ids on a
// fake session, the reply topics of the test board, and a way to catch a rejection.
import type { MqbError } from '../common/errors.js';
import { encodeFrame, encodeText } from '../common/protocol.js';
import { BoardClient } from './board-client.js';
import type { FakeSession } from './fake-session.js';
import { ReplyRouter } from './reply-router.js';

export const P = 'sim/b1';
/** A single-message reply (header 0xFFFF). */
export const single = (text: string) => encodeFrame(0x7fff, true, encodeText(text));
export const out = (id: string) => `${P}/mqb/reply/out/${id}`;
export const err = (id: string) => `${P}/mqb/reply/err/${id}`;
/** No command of the board is waiting for replies any more (its replies are ignored). */
export const noRoutes = (s: FakeSession) => ReplyRouter.for(s, P).active === 0;

/** A client whose command ids are id1, id2, ... */
export function client(session: FakeSession, extra: ConstructorParameters<typeof BoardClient>[2] = {}) {
  let n = 0;
  return new BoardClient(session, P, { newId: () => `id${++n}`, ...extra });
}

export async function rejection(p: Promise<unknown>): Promise<MqbError> {
  try {
    await p;
  } catch (e) {
    return e as MqbError;
  }
  throw new Error('expected a rejection');
}
