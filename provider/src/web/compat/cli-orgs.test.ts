import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProvider, type Server } from '../../reliability/processes.ts';
import { makeProject, runCli, type Run } from '../../testing/cli-runner.ts';
import { startMailbox, verifiedAccount, type Mailbox } from '../../testing/mailbox.ts';

/**
 * Instant's own CLI (`instant-cli` 1.0.67, unchanged) against a provider process for orgs (`init-without-files
 * --org-id`) and app auth settings (`auth origin|client|email`), docs/instant-compat.md §7–§8. PGlite, or Postgres
 * when TEST_DATABASE_URL is set.
 */
let server: Server;
let mailbox: Mailbox;
let work: string;
let dir: string;
const PASSWORD = 'correct horse battery staple 42';

interface Account {
  email: string;
  cookie: string;
  token: string;
  home: string;
}
let owner: Account;
let member: Account;
let orgId = '';
let appId = '';

async function account(name: string): Promise<Account> {
  const email = `${name}-${Date.now()}@example.com`;
  // Verified: org invitations trust addresses (docs/security-accounts.md §9).
  const cookie = (await verifiedAccount(server.url, mailbox, email, PASSWORD)).header();
  const made = await fetch(new URL('/dash/personal_access_tokens', server.url), { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cli' }) });
  const home = join(work, `home-${name}`);
  await mkdir(home);
  return { email, cookie, token: ((await made.json()) as { token: string }).token, home };
}

async function api(who: Account, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(path, server.url), {
    method,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const cli = (who: Account, args: string[]): Promise<Run> => runCli(args, { url: server.url, home: who.home, cwd: dir, env: { INSTANT_CLI_AUTH_TOKEN: who.token } });
const appJsonOf = (r: Run) => (JSON.parse(r.out.slice(r.out.indexOf('{'), r.out.lastIndexOf('}') + 1)) as { app: { appId: string } }).app;

beforeAll(async () => {
  mailbox = await startMailbox();
  server = await spawnProvider({ store: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite', env: { SMTP_URL: mailbox.url } });
  work = await mkdtemp(join(tmpdir(), 'instant-cli-orgs-'));
  dir = await makeProject(work, 'project');
  owner = await account('owner');
  member = await account('member');
  orgId = ((await api(owner, 'POST', '/dash/orgs', { title: 'CLI org' })).org as { id: string }).id;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await mailbox?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('instant-cli 1.0.67: orgs and app auth settings', { timeout: 200_000 }, () => {
  it('init-without-files --org-id creates the app in the org; a non-member is told there is no such org', async () => {
    const made = await cli(owner, ['init-without-files', '--title', 'Org app', '--org-id', orgId]);
    expect(made.code, made.out).toBe(0);
    appId = appJsonOf(made).appId;
    const listed = (await api(owner, 'GET', `/superadmin/orgs/${orgId}/apps`)).apps as Array<{ id: string; org_id: string; creator_id: string | null }>;
    expect(listed).toEqual([expect.objectContaining({ id: appId, org_id: orgId, creator_id: null })]);
    const refused = await cli(member, ['init-without-files', '--title', 'Not mine', '--org-id', orgId]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('No such org');
  });

  it('a collaborator who accepted an invitation creates org apps too (upstream allows it on /dash/apps)', async () => {
    await api(owner, 'POST', `/dash/orgs/${orgId}/invite/send`, { 'invitee-email': member.email, role: 'collaborator' });
    const invites = (await api(member, 'GET', '/dash')).invites as Array<{ id: string }>;
    await api(member, 'POST', '/dash/invites/accept', { 'invite-id': invites[0]!.id });
    const made = await cli(member, ['init-without-files', '--title', 'Collaborator app', '--org-id', orgId]);
    expect(made.code, made.out).toBe(0);
    const list = await cli(member, ['app', 'list']);
    expect(list.out).toContain(appId);
    expect(list.out).toContain(appJsonOf(made).appId);
  });

  it('auth origin add | list | delete, with the server’s validation shown', async () => {
    const web = await cli(owner, ['auth', 'origin', 'add', '--type', 'website', '--url', 'https://Example.com', '--app', appId, '--yes']);
    expect(web.code, web.out).toBe(0);
    expect(web.out).toContain('Origin added: example.com');
    const scheme = await cli(member, ['auth', 'origin', 'add', '--type', 'custom-scheme', '--scheme', 'myapp://', '--app', appId, '--yes']);
    expect(scheme.out).toContain('Origin added: myapp://');
    const bad = await cli(owner, ['auth', 'origin', 'add', '--type', 'custom-scheme', '--scheme', 'https://x', '--app', appId, '--yes']);
    expect(bad.out).toContain('must not be http or https');
    const list = await cli(member, ['auth', 'origin', 'list', '--app', appId]);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toMatch(/example\.com\s+Type: Website/);
    expect(list.out).toMatch(/myapp:\/\/\s+Type: Native app/);
    const json = JSON.parse((await cli(owner, ['auth', 'origin', 'list', '--app', appId, '--json'])).out) as Array<{ id: string; service: string; params: string[] }>;
    expect(json.map((o) => [o.service, o.params])).toEqual([['generic', ['example.com']], ['custom-scheme', ['myapp']]]);
    const del = await cli(owner, ['auth', 'origin', 'delete', '--id', json[0]!.id, '--app', appId, '--yes']);
    expect(del.out).toContain('Origin deleted!');
    const after = (await api(owner, 'GET', `/dash/apps/${appId}/auth`)).authorized_redirect_origins as unknown[];
    expect(after).toHaveLength(1);
  });

  it('auth client add | list | delete keeps no client secret', async () => {
    const add = await cli(owner, ['auth', 'client', 'add', '--type', 'github', '--name', 'gh', '--client-id', 'gh-client-1', '--client-secret', 'very-secret-value', '--app', appId, '--yes']);
    expect(add.code, add.out).toBe(0);
    expect(add.out).toContain('GitHub OAuth client created: gh');
    const list = await cli(member, ['auth', 'client', 'list', '--app', appId]);
    expect(list.out).toMatch(/gh\s+Provider: github/);
    expect(list.out).toContain('Client id: gh-client-1');
    const auth = await api(owner, 'GET', `/dash/apps/${appId}/auth`);
    expect(JSON.stringify(auth)).not.toContain('very-secret-value');
    expect(auth.oauth_clients).toEqual([expect.objectContaining({ client_name: 'gh', client_secret_set: true, meta: { providerName: 'github' } })]);
    const dup = await cli(owner, ['auth', 'client', 'add', '--type', 'github', '--name', 'gh', '--client-id', 'x', '--client-secret', 'y', '--app', appId, '--yes']);
    expect(dup.out).toContain("The unique name 'gh' is already in use.");
    const del = await cli(owner, ['auth', 'client', 'delete', '--name', 'gh', '--app', appId, '--yes']);
    expect(del.out).toContain('Client Deleted!');
    expect((await api(owner, 'GET', `/dash/apps/${appId}/auth`)).oauth_clients).toEqual([]);
  });

  it('auth email push | status | pull | reset', async () => {
    const file = (subject: string) =>
      `export default { authEmail: { subject: ${JSON.stringify(subject)}, senderName: 'Acme', senderEmail: undefined, body: '<p>Your code is {code}</p>' } };\n`;
    await writeFile(join(dir, 'instant.email.ts'), file('No code here'));
    const bad = await cli(owner, ['auth', 'email', 'push', '--app', appId]);
    expect(bad.out).toContain('subject must contain {code}');
    await writeFile(join(dir, 'instant.email.ts'), file('{code} signs you in to Acme'));
    const push = await cli(owner, ['auth', 'email', 'push', '--app', appId]);
    expect(push.code, push.out).toBe(0);
    expect(push.out).toContain('Email template saved!');
    const status = await cli(member, ['auth', 'email', 'status', '--app', appId]);
    expect(status.out).toContain('Subject: {code} signs you in to Acme');
    expect(status.out).toContain('Sender name: Acme');
    const pulled = await makeProject(work, 'pulled');
    const pull = await runCli(['auth', 'email', 'pull', '--app', appId, '--yes'], { url: server.url, home: owner.home, cwd: pulled, env: { INSTANT_CLI_AUTH_TOKEN: owner.token } });
    expect(pull.code, pull.out).toBe(0);
    expect(await readFile(join(pulled, 'instant.email.ts'), 'utf8')).toContain('"{code} signs you in to Acme"');
    const reset = await cli(owner, ['auth', 'email', 'reset', '--app', appId, '--yes']);
    expect(reset.code, reset.out).toBe(0);
    expect(((await api(owner, 'GET', `/dash/apps/${appId}/email_status`)) as { info: unknown }).info).toBeNull();
  });
});
