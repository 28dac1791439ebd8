import { describe, expect, it } from 'vitest';
import { ProblemPage } from './pages.tsx';

const links = (html: string) => [...html.matchAll(/<a class="button[^"]*" href="([^"]*)">\s*([^<]*?)\s*<\/a>/g)].map((m) => [m[1], m[2]]);

describe('the provider-down page', () => {
  it('offers no "Home" that leads back to the same failing page', () => {
    expect(links(String(ProblemPage({ kind: 'provider_unavailable', retryHref: '/' })))).toEqual([['/', 'Try again']]);
    expect(links(String(ProblemPage({ kind: 'provider_unavailable', retryHref: '/apps/a1' })))).toEqual([
      ['/apps/a1', 'Try again'],
      ['/', 'Home'],
    ]);
  });
});
