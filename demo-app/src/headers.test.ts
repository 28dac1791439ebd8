import { describe, expect, it } from 'vitest';
import { createDemoApp } from './app.tsx';
import { loadDemoConfig } from './config.ts';

const demo = (publicUrl: string) => createDemoApp({ ...loadDemoConfig({}), publicUrl, issuer: 'http://127.0.0.1:9', clientId: 'demo-app', clientSecret: 'x'.repeat(32) });

describe('the demo app on plain http and on https', () => {
  it('sends Strict-Transport-Security only when served over https', async () => {
    const plain = await demo('http://localhost:3000').request('http://localhost:3000/');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    const tls = await demo('https://demo.example').request('https://demo.example/');
    expect(tls.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });

  it('serves its favicon', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const res = await demo('http://localhost:3000').request(`http://localhost:3000${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
    }
  });
});
