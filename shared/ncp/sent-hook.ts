/**
 * Tells a caller the moment its request has been written to the socket. The rate limiter
 * books each call at that moment, which bounds when it can reach NCP far more tightly than the
 * time the call was granted (a busy process may sit between the two).
 *
 * undici calls `onRequestSent` on the dispatch handler once the request is fully written; the
 * interceptor below forwards it to the `onSent` callback a call put in its dispatch options.
 */
import type { Dispatcher } from 'undici';

/** Key of the callback in dispatch options. */
export const ON_SENT = Symbol('ncp.onSent');

export type SentCallbackOptions = Dispatcher.DispatchOptions & { [ON_SENT]?: () => void };

function notifyWhenSent(
  handler: Dispatcher.DispatchHandler,
  onSent: () => void,
): Dispatcher.DispatchHandler {
  return new Proxy(handler, {
    get(target, property) {
      if (property === 'onRequestSent') {
        return () => {
          onSent();
          return target.onRequestSent?.();
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** An undici interceptor: `dispatcher.compose(sentHook)`. */
export const sentHook: Dispatcher.DispatcherComposeInterceptor =
  (dispatch) => (options, handler) => {
    const onSent = (options as SentCallbackOptions)[ON_SENT];
    return dispatch(options, onSent ? notifyWhenSent(handler, onSent) : handler);
  };
