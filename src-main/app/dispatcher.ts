// The one gate every UI message passes, whatever carried it (Electron IPC or the web mode's
// WebSocket): the operation must exist, the params must fit the contract's schema (else nothing
// runs), the handler gets a deadline, and every outcome becomes a Reply with a code the UI shows.
import { isRequestName, paramsSchema, resultSchema, timeoutOf } from '../common/contract.js';
import type { ConsoleErrorCode, ParamsOf, Reply, RequestName, ResultOf } from '../common/contract.js';
import { ConsoleError } from '../common/contract.js';
import { isMqbError } from '../common/errors.js';
import { validate } from '../common/schema.js';

export interface CallContext {
  /** Aborted when the caller's deadline passes or the caller goes away. */
  signal: AbortSignal;
  /** Who asked: one Electron window or one WebSocket connection (sessions are owned per client). */
  clientId: string;
}

export type Handler<K extends RequestName> = (params: ParamsOf<K>, ctx: CallContext) => Promise<ResultOf<K>>;
export type Handlers = { [K in RequestName]: Handler<K> };

export interface DispatcherOptions {
  /** Deadline per operation (default: the contract's). */
  timeoutMs?: (op: RequestName) => number;
  /** Reports handler bugs (never the params: they may hold secrets). */
  onInternalError?: (op: string, error: unknown) => void;
}

export type Dispatch = (op: unknown, params: unknown, ctx: { clientId: string; signal?: AbortSignal }) => Promise<Reply<unknown>>;

const fail = (code: ConsoleErrorCode, message: string): Reply<never> => ({ ok: false, error: { code, message } });
const MAX_OP_TEXT = 60;

export function errorReply(error: unknown): Reply<never> {
  if (error instanceof ConsoleError) return fail(error.code, error.message);
  if (isMqbError(error)) return fail(error.code, error.message);
  return fail('INTERNAL', error instanceof Error ? error.message : String(error));
}

export function createDispatcher(handlers: Partial<Handlers>, opts: DispatcherOptions = {}): Dispatch {
  const deadline = opts.timeoutMs ?? timeoutOf;
  return async (op, params, ctx) => {
    if (!isRequestName(op)) {
      const shown = typeof op === 'string' ? JSON.stringify(op.slice(0, MAX_OP_TEXT)) : typeof op;
      return fail('UNKNOWN_OPERATION', `unknown operation ${shown}`);
    }
    const checked = validate(paramsSchema(op), params, 'params');
    if (!checked.ok) return fail('INVALID_REQUEST', `${op}: ${checked.error}`);
    const handler = handlers[op] as Handler<RequestName> | undefined;
    if (!handler) return fail('NOT_AVAILABLE', `${op} is not available here`);

    const ms = deadline(op);
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(new ConsoleError('CANCELLED', `${op} was cancelled`));
    ctx.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<Reply<never>>((resolve) => {
      timer = setTimeout(() => {
        const error = new ConsoleError('TIMEOUT', `${op}: no result within ${Math.round(ms / 100) / 10} s`);
        controller.abort(error);
        resolve(errorReply(error));
      }, ms);
    });
    const run = (async (): Promise<Reply<unknown>> => {
      try {
        const result = await handler(checked.value as never, { signal: controller.signal, clientId: ctx.clientId });
        // Main's own answers are checked too: a bug here must not hand the UI a shape it cannot show.
        const ok = validate(resultSchema(op), result, 'result');
        if (!ok.ok) {
          opts.onInternalError?.(op, new Error(ok.error));
          return fail('INTERNAL', `${op} produced an invalid result (${ok.error})`);
        }
        return { ok: true, result };
      } catch (error) {
        if (!(error instanceof ConsoleError) && !isMqbError(error)) opts.onInternalError?.(op, error);
        return errorReply(error);
      }
    })();
    try {
      return await Promise.race([run, timedOut]);
    } finally {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onCallerAbort);
    }
  };
}
