import { describe, expect, it, vi } from 'vitest';
import { MqbError } from '../common/errors.js';
import { createDispatcher } from './dispatcher.js';

const ctx = { clientId: 'test' };
const evalParams = { profileId: 'demo', prefix: 'sim/sim-01', source: '1+1' };

describe('dispatcher', () => {
  it('runs a valid request and wraps its result', async () => {
    const dispatch = createDispatcher({ 'board.eval': async (p) => ({ output: `ran ${p.source}` }) });
    expect(await dispatch('board.eval', evalParams, ctx)).toEqual({ ok: true, result: { output: 'ran 1+1' } });
  });

  it('refuses unknown operations and schema-breaking params without calling anything', async () => {
    const handler = vi.fn(async () => ({ output: '' }));
    const dispatch = createDispatcher({ 'board.eval': handler });
    expect(await dispatch('board.exec', evalParams, ctx)).toEqual({ ok: false, error: { code: 'UNKNOWN_OPERATION', message: 'unknown operation "board.exec"' } });
    expect(await dispatch(42, evalParams, ctx)).toEqual({ ok: false, error: { code: 'UNKNOWN_OPERATION', message: 'unknown operation number' } });
    expect(await dispatch('board.eval', { ...evalParams, source: 7 }, ctx)).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'board.eval: params.source: expected a string, got number' },
    });
    expect(await dispatch('board.eval', undefined, ctx)).toMatchObject({ error: { code: 'INVALID_REQUEST', message: 'board.eval: params: expected an object, got undefined' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('keeps engine error codes, and hides nothing but marks bugs INTERNAL', async () => {
    const onInternalError = vi.fn();
    const dispatch = createDispatcher(
      {
        'board.eval': async () => {
          throw new MqbError('BOARD_ERROR', 'Traceback: NameError: x');
        },
        'fleet.snapshot': async () => {
          throw new TypeError('cannot read x of undefined');
        },
      },
      { onInternalError },
    );
    expect(await dispatch('board.eval', evalParams, ctx)).toEqual({ ok: false, error: { code: 'BOARD_ERROR', message: 'Traceback: NameError: x' } });
    expect(await dispatch('fleet.snapshot', { profileId: 'demo' }, ctx)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'cannot read x of undefined' } });
    expect(onInternalError).toHaveBeenCalledTimes(1);
  });

  it('refuses to hand the UI a result that breaks the contract', async () => {
    const dispatch = createDispatcher({ 'board.eval': async () => ({ output: 1 }) as never }, { onInternalError: () => undefined });
    expect(await dispatch('board.eval', evalParams, ctx)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'board.eval produced an invalid result (result.output: expected a string, got number)' },
    });
  });

  it('answers TIMEOUT when a handler does not finish in time, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const dispatch = createDispatcher(
      {
        'fleet.snapshot': (_p, c) => {
          signal = c.signal;
          return new Promise(() => undefined);
        },
      },
      { timeoutMs: () => 50 },
    );
    expect(await dispatch('fleet.snapshot', { profileId: 'demo' }, ctx)).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'fleet.snapshot: no result within 0.1 s' } });
    expect(signal?.aborted).toBe(true);
  });

  it('answers NOT_AVAILABLE for an operation this side does not offer', async () => {
    const dispatch = createDispatcher({});
    expect(await dispatch('dialog.openFile', {}, ctx)).toEqual({ ok: false, error: { code: 'NOT_AVAILABLE', message: 'dialog.openFile is not available here' } });
  });
});
