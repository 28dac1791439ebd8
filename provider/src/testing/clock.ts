import type { Clock } from '../domain/clock.ts';

/** A clock tests move by hand (exported as `instant-provider/testing`, never by the production entry point). */
export class TestClock implements Clock {
  constructor(private ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
