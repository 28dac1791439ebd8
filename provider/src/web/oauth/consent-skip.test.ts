import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser } from '../../testing/fixtures.ts';
import { browserHelpers } from '../../testing/browser-helpers.ts';
import { newClient, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => {
  await w.p.close();
});
const { start, callback, consentPageOf, base } = browserHelpers(() => w);

describe('consent is not asked again when a live grant covers the request', () => {
  it('answers with a code at once; asks again for prompt=consent, for wider scopes, and after revocation', async () => {
    const c = await newClient(w);
    const b = base(c.clientId, c.redirectUri);
    const first = await consentPageOf(await start(b), w.cookie);
    expect(first.page.status, first.html).toBe(200);
    expect(first.html).toMatch(/value="allow"/);
    await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri });

    const again = await consentPageOf(await start(b), w.cookie);
    expect(again.page.status).toBe(303);
    const q = callback(again.page);
    expect(q).toMatchObject({ state: 'st', scope: 'apps-read' });
    expect(q.code).toBeTruthy();
    const events = await w.p.ctx.db.query<{ details: { remembered?: boolean } }>(
      `select details from audit_events where event = 'consent.granted' and client_id = $1 order by at`,
      [c.clientId],
    );
    expect(events.map((e) => e.details.remembered ?? false)).toEqual([false, true]);
    // The click (one statement that reads the request itself) and the remembered answer (the general path, from the
    // request read first) record the same rows but for `remembered`.
    const rows = await w.p.ctx.db.query<Record<string, unknown> & { details: Record<string, unknown> }>(
      `select event, outcome, actor, user_id, client_id, oauth_app_id, address, details from audit_events
        where event in ('consent.granted', 'code.issued') and client_id = $1 order by id`,
      [c.clientId],
    );
    const grant = await w.p.ctx.db.one<{ id: string }>(`select id from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [w.user.id, c.appId]);
    const who = { outcome: 'success', actor: w.user.id, user_id: w.user.id, client_id: c.clientId, oauth_app_id: c.appId };
    const details = { scopes: ['apps-read'], grant_id: grant!.id };
    expect(rows).toEqual([
      { event: 'consent.granted', ...who, address: expect.any(String), details },
      { event: 'code.issued', ...who, address: expect.any(String), details },
      { event: 'consent.granted', ...who, address: expect.any(String), details: { ...details, remembered: true } },
      { event: 'code.issued', ...who, address: expect.any(String), details },
    ]);
    expect(rows[0]!.address).toBe(rows[2]!.address);

    expect((await consentPageOf(await start({ ...b, prompt: 'consent' }), w.cookie)).page.status).toBe(200);
    expect((await consentPageOf(await start({ ...b, scope: 'apps-write' }), w.cookie)).page.status).toBe(200);
    await w.p.ctx.db.query(`update grants set revoked_at = now() where oauth_app_id = (select oauth_app_id from oauth_clients where client_id = $1)`, [c.clientId]);
    expect((await consentPageOf(await start(b), w.cookie)).page.status).toBe(200);
  });
});
