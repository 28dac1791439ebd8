/** The glibc malloc setting the provider's process is run with (scripts/malloc-env.mjs says why). */
export declare const MALLOC_ENV: Readonly<Record<string, string>>;
/** MALLOC_ENV under what `env` (default: this process's) already says: an operator's own setting wins. */
export declare function mallocEnv(env?: Record<string, string | undefined>): Record<string, string>;
