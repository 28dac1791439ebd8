/**
 * A promise that also reports progress, like Instant's `ProgressPromise`: `await` it for the
 * result, or `subscribe({ next, error, complete })` for intermediate updates.
 *
 * @module
 */

/** Callbacks of {@link ProgressPromise.subscribe}. */
export interface ProgressObserver<P, R> {
  next?: (progress: P) => void;
  error?: (error: unknown) => void;
  complete?: (result: R) => void;
}

/** A thenable with progress events. Unlike Instant's, `then` returns a real chained promise. */
export class ProgressPromise<P, R> implements PromiseLike<R> {
  readonly #observers = new Set<ProgressObserver<P, R>>();
  readonly #promise: Promise<R>;
  #settled = false;

  /** `run` gets a `progress` callback; its returned promise is the result. */
  constructor(run: (progress: (p: P) => void) => Promise<R>) {
    const progress = (p: P) => {
      if (this.#settled) return;
      for (const o of this.#observers) {
        try {
          o.next?.(p);
        } catch {
          // an observer's failure must not break the operation
        }
      }
    };
    this.#promise = Promise.resolve()
      .then(() => run(progress))
      .finally(() => {
        this.#settled = true;
      });
    // Avoid an unhandled rejection when nobody awaits; subscribers and `then` still see it.
    this.#promise.catch(() => {});
  }

  /** Subscribe to progress, the result and the error. Returns a handle to unsubscribe. */
  subscribe(observer: ProgressObserver<P, R>): { unsubscribe: () => void } {
    this.#observers.add(observer);
    this.#promise.then(
      (r) => {
        if (this.#observers.delete(observer)) observer.complete?.(r);
      },
      (e: unknown) => {
        if (this.#observers.delete(observer)) observer.error?.(e);
      },
    );
    return { unsubscribe: () => void this.#observers.delete(observer) };
  }

  /** Like `Promise.prototype.then`; returns a real promise. */
  then<A = R, B = never>(onFulfilled?: ((value: R) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }

  /** Like `Promise.prototype.catch`. */
  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B> {
    return this.#promise.catch(onRejected);
  }

  /** Like `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<R> {
    return this.#promise.finally(onFinally);
  }
}
