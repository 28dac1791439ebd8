import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../testing/accounts.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeUrl } from '../../testing/fixtures.ts';

let p: TestProvider;
let b: Browser;
beforeAll(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  await b.signUp('logo@example.com');
});
afterAll(async () => {
  await p.close();
});

// A 1×1 PNG: the signature, IHDR, IDAT and IEND.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** Posts the OAuth app form as a browser does with a file chosen: multipart/form-data. */
async function postApp(path: string, fields: Record<string, string>, file?: { bytes: Buffer<ArrayBuffer>; name: string; type: string }) {
  const { csrf } = await b.page('/dash/settings/oauth-apps');
  const body = new FormData();
  body.set('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  body.set('logo', file ? new File([file.bytes], file.name, { type: file.type }) : new File([], '', { type: 'application/octet-stream' }));
  return b.request(path, { method: 'POST', body });
}

const storedLogo = async (name: string) =>
  (await p.ctx.db.query<{ logo: string | null }>('select logo from oauth_apps where name = $1', [name]))[0];

describe('logo upload on the OAuth app form (docs/pages.md §9)', () => {
  it('offers a file input in a multipart form', async () => {
    const { html } = await b.page('/dash/settings/oauth-apps');
    expect(html).toContain('<form method="post" action="/dash/settings/oauth-apps" enctype="multipart/form-data">');
    expect(html).toContain('<input id="app-logo" name="logo" type="file" accept="image/png,image/jpeg,image/webp"');
  });

  it('stores an uploaded PNG and shows it on the consent page', async () => {
    const res = await postApp('/dash/settings/oauth-apps', { name: 'Logo App' }, { bytes: PNG, name: 'logo.png', type: 'image/png' });
    expect(res.status).toBe(303);
    const appPath = res.headers.get('location')!;
    const dataUrl = `data:image/png;base64,${PNG.toString('base64')}`;
    expect((await storedLogo('Logo App'))?.logo).toBe(dataUrl);
    // A client, then the consent page of an authorization request for it.
    const { csrf } = await b.page(appPath);
    const redirectUri = 'http://127.0.0.1:4000/cb';
    const added = await b.form(`${appPath}/clients`, { _csrf: csrf, name: 'web', redirect_uris: redirectUri });
    expect(added.status).toBe(303);
    const { html: appHtml } = await b.page(appPath);
    const clientId = /<code[^>]*>([^<]+)<\/code>/.exec(appHtml.slice(appHtml.indexOf('Client ID')))?.[1];
    expect(clientId).toBeTruthy();
    const start = await b.request(authorizeUrl(p, { clientId: clientId!, redirectUri }).toString());
    expect(start.status).toBe(303);
    const { html } = await b.page(start.headers.get('location')!);
    expect(html).toContain('Logo App');
    expect(html).toContain(`src="${dataUrl}"`);
  });

  it('refuses a text file named .png with a clear message, and stores nothing', async () => {
    const res = await postApp('/dash/settings/oauth-apps', { name: 'Fake Logo App' }, { bytes: Buffer.from('hello, not an image\n'), name: 'logo.png', type: 'image/png' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dash/settings/oauth-apps');
    const { html } = await b.page('/dash/settings/oauth-apps');
    expect(html).toContain('logo.png is not a PNG, JPEG or WebP image; upload one of those (SVG is not accepted)');
    expect(await storedLogo('Fake Logo App')).toBeUndefined();
  });

  it('refuses an SVG, even one named .png', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const res = await postApp('/dash/settings/oauth-apps', { name: 'Svg Logo App' }, { bytes: svg, name: 'logo.png', type: 'image/svg+xml' });
    expect(res.status).toBe(303);
    expect((await b.page('/dash/settings/oauth-apps')).html).toContain('is not a PNG, JPEG or WebP image');
    expect(await storedLogo('Svg Logo App')).toBeUndefined();
  });

  it('refuses a file over the size limit with a clear message, and stores nothing', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(48 * 1024)]);
    const res = await postApp('/dash/settings/oauth-apps', { name: 'Big Logo App' }, { bytes: big, name: 'big.png', type: 'image/png' });
    expect(res.status).toBe(303);
    const { html } = await b.page('/dash/settings/oauth-apps');
    expect(html).toContain('A logo file is at most 47 KiB; big.png is 49 KiB');
    expect(await storedLogo('Big Logo App')).toBeUndefined();
  });

  it('keeps the logo when an edit chooses no file, and removes it when asked', async () => {
    const res = await postApp('/dash/settings/oauth-apps', { name: 'Edit Logo App' }, { bytes: PNG, name: 'a.png', type: 'image/png' });
    const appPath = res.headers.get('location')!;
    expect((await postApp(appPath, { name: 'Edit Logo App' })).status).toBe(303);
    expect((await storedLogo('Edit Logo App'))?.logo).toMatch(/^data:image\/png;base64,/);
    expect((await postApp(appPath, { name: 'Edit Logo App', remove_logo: '1' })).status).toBe(303);
    expect((await storedLogo('Edit Logo App'))?.logo).toBeNull();
  });

  it('refuses a multipart post without the CSRF token', async () => {
    const body = new FormData();
    body.set('name', 'No Csrf App');
    body.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
    const res = await b.request('/dash/settings/oauth-apps', { method: 'POST', body });
    expect(res.status).toBe(403);
    expect(await storedLogo('No Csrf App')).toBeUndefined();
  });
});
