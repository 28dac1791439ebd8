import { randomBytes, randomUUID } from 'node:crypto';

/** Time source, injected so tests can expire codes and tokens without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Randomness source, injected so tests can make it deterministic when they need to. */
export interface Random {
  bytes(n: number): Uint8Array;
  uuid(): string;
}

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = { bytes: (n) => randomBytes(n), uuid: () => randomUUID() };
