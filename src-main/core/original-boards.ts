// Finds boards on the original MQBoard firmware (protocol version 1): they publish no retained
// status, so the discovery patterns never see them. What they do publish is their log
// (<prefix>/log) and their replies (<prefix>/mqb/reply/out|err/<id>), including the replies to
// the evals their own watchdog sends them now and then. A command topic alone proves nothing
// (any console may publish to a prefix no board listens on), so only what a board sends counts.
import { MqbError } from '../common/errors.js';
import type { SessionLike } from './board-invocation.js';
import { BoardClient } from './board-client.js';

const STATUS_SUFFIX = '/mqb/status';
const LOG_SUFFIX = '/log';
const REPLY_INFIX = '/mqb/reply/';

/** The board prefix of a log or reply topic, or undefined when the topic is neither. */
export function prefixOfBoardTraffic(topic: string): string | undefined {
  const reply = topic.lastIndexOf(REPLY_INFIX);
  // <prefix>/mqb/reply/<out|err>/<id>: exactly two levels after "reply/".
  if (reply > 0 && topic.slice(reply + REPLY_INFIX.length).split('/').length === 2) return topic.slice(0, reply);
  if (topic.endsWith(LOG_SUFFIX) && topic.length > LOG_SUFFIX.length) return topic.slice(0, -LOG_SUFFIX.length);
  return undefined;
}

/**
 * Subscribes (QoS 0: nothing is worth queueing for this) to the log and reply topics of every
 * prefix the status discovery patterns cover; calls `heard` with the prefix of each message.
 * Returns the unsubscribe functions.
 */
export async function watchOriginalBoards(session: SessionLike, statusPatterns: readonly string[], heard: (prefix: string) => void): Promise<Array<() => Promise<void>>> {
  const unsubs: Array<() => Promise<void>> = [];
  const onMessage = (topic: string) => {
    const prefix = prefixOfBoardTraffic(topic);
    if (prefix && !/[+#]/.test(prefix)) heard(prefix);
  };
  for (const pattern of statusPatterns) {
    if (!pattern.endsWith(STATUS_SUFFIX)) continue;
    const base = pattern.slice(0, -STATUS_SUFFIX.length);
    unsubs.push(await session.subscribe(`${base}${LOG_SUFFIX}`, onMessage, 0));
    unsubs.push(await session.subscribe(`${base}${REPLY_INFIX}+/+`, onMessage, 0));
  }
  return unsubs;
}

/** The probe: cheap on any firmware, and its answer ("2") is the same on every version. */
export const PROBE_SOURCE = '1+1';

/**
 * True when something answers an eval on `prefix` within `timeoutMs` (a result or an error: both
 * come from a board). A board that publishes no status is told from no board at all this way.
 */
export async function probeOriginal(session: SessionLike, prefix: string, timeoutMs: number): Promise<boolean> {
  try {
    await new BoardClient(session, prefix, { timeoutMs }).request('eval', { payload: PROBE_SOURCE });
    return true;
  } catch (e) {
    if (e instanceof MqbError && e.code === 'BOARD_ERROR') return true;
    if (e instanceof MqbError && e.code === 'TIMEOUT') return false;
    throw e;
  }
}
