/**
 * The app commands of `instant-kit`: `init-without-files`, `push`, `pull`, `claim`, `apps list`, `whoami`.
 *
 * @module
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PlatformApi } from '../platform-api.ts';
import type { ParsedArgs } from './args.ts';
import { CliError, dashRequest, platformApi } from './auth.ts';
import { findFile, loadPerms, loadSchema, permsFileSource, schemaFileSource } from './files.ts';
import { confirm, type CliIO } from './io.ts';

function requireApp(args: ParsedArgs): string {
  if (!args.app) throw new CliError('No app: pass --app <id> or set INSTANT_APP_ID');
  return args.app;
}

/** `init-without-files --title T (--temp | --token TOKEN)`: prints `{"app":{"appId","adminToken"},"error":null}`. */
export async function initWithoutFiles(args: ParsedArgs, io: CliIO): Promise<void> {
  const title = args.title!;
  let appId: string;
  let adminToken: string;
  if (args.temp) {
    io.stderr('Creating a temporary app…');
    const { app } = await new PlatformApi({ apiURI: args.apiUri, fetch: io.fetch }).createTemporaryApp({ title });
    appId = app.id;
    adminToken = app.adminToken;
  } else {
    const { api } = platformApi(args, io);
    io.stderr('Creating app…');
    const { app } = await dashRequest<{ app: { id: string; 'admin-token': string } }>(args, io, api, '/dash/apps', { method: 'POST', body: { title } });
    appId = app.id;
    adminToken = app['admin-token'];
  }
  io.stderr('Successfully created new app!');
  io.stdout(JSON.stringify({ app: { appId, adminToken }, error: null }, null, 2));
}

/** `push [schema|perms]`: shows the plan, asks (unless `--yes`), applies with progress. */
export async function push(args: ParsedArgs, io: CliIO): Promise<void> {
  const appId = requireApp(args);
  const cwd = resolve(io.cwd, args.cwd ?? '.');
  const { api } = platformApi(args, io);
  const result: Record<string, unknown> = {};
  if (args.target !== 'perms') {
    const file = findFile(cwd, 'schema', io.env);
    if (!file) throw new CliError(`No instant.schema.ts found in ${cwd}`);
    io.stderr(`Loading ${file}…`);
    const schema = await loadSchema(file);
    io.stderr('Planning schema changes…');
    const plan = await api.planSchemaPush(appId, { schema });
    if (!plan.steps.length) {
      io.stderr('Schema: no changes to apply.');
      result.schema = { steps: [], applied: false };
    } else {
      io.stderr(`Schema: ${plan.steps.length} change${plan.steps.length === 1 ? '' : 's'}:`);
      for (const s of plan.steps) io.stderr(`  ${s.friendlyDescription}`);
      if (!(await confirm(io, args.yes, 'Apply these schema changes?'))) throw new CliError('Schema push cancelled.');
      const job = api.schemaPush(appId, { schema });
      // Only progress while steps still run: the finished summary is printed once, below.
      job.subscribe({ next: (p) => void (p.inProgressCount && io.stderr(`  ${p.friendlyDescription}`)) });
      const done = await job;
      io.stderr(`Schema: ${done.summary.friendlyDescription}`);
      if (done.summary.errorCount) throw new CliError(`Schema push finished with ${done.summary.errorCount} failed step(s)`);
      result.schema = { steps: done.steps.map((s) => s.friendlyDescription), applied: true };
    }
  }
  if (args.target !== 'schema') {
    const file = findFile(cwd, 'perms', io.env);
    if (!file) throw new CliError(`No instant.perms.ts found in ${cwd}`);
    io.stderr(`Loading ${file}…`);
    const rules = await loadPerms(file);
    const { perms: current } = await api.getPerms(appId);
    if (JSON.stringify(current ?? {}) === JSON.stringify(rules)) {
      io.stderr('Perms: no changes to apply.');
      result.perms = { changed: false };
    } else {
      const changed = [...new Set([...Object.keys(current ?? {}), ...Object.keys(rules)])].filter((k) => JSON.stringify(current?.[k]) !== JSON.stringify(rules[k]));
      io.stderr(`Perms: rules change for ${changed.join(', ')}.`);
      if (!(await confirm(io, args.yes, 'Replace the permission rules?'))) throw new CliError('Perms push cancelled.');
      io.stderr('Pushing perms…');
      await api.pushPerms(appId, { perms: rules });
      io.stderr('Perms: updated.');
      result.perms = { changed: true, namespaces: changed };
    }
  }
  if (args.json) io.stdout(JSON.stringify(result));
}

/** `pull`: writes `instant.schema.ts` and `instant.perms.ts` from the app. */
export async function pull(args: ParsedArgs, io: CliIO): Promise<void> {
  const appId = requireApp(args);
  const cwd = resolve(io.cwd, args.cwd ?? '.');
  const { api } = platformApi(args, io);
  io.stderr(`Pulling schema and perms of ${appId}…`);
  const [{ schema }, { perms }] = await Promise.all([api.getSchema(appId), api.getPerms(appId)]);
  const schemaFile = findFile(cwd, 'schema', io.env) ?? join(cwd, 'instant.schema.ts');
  const permsFile = findFile(cwd, 'perms', io.env) ?? join(cwd, 'instant.perms.ts');
  const existing = [schemaFile, permsFile].filter((f) => existsSync(f));
  if (existing.length && !(await confirm(io, args.yes, `Overwrite ${existing.join(' and ')}?`))) throw new CliError('Pull cancelled.');
  writeFileSync(schemaFile, schemaFileSource(schema));
  writeFileSync(permsFile, permsFileSource(perms));
  io.stderr(`Wrote ${schemaFile} and ${permsFile}.`);
  if (args.json) io.stdout(JSON.stringify({ schemaFile, permsFile, entities: Object.keys(schema.entities), perms: perms ?? null }));
}

/** `claim`: moves a temporary app (`--app`, `--admin-token`) to the signed-in user. */
export async function claim(args: ParsedArgs, io: CliIO): Promise<void> {
  const appId = requireApp(args);
  if (!args.adminToken) throw new CliError('claim needs the app admin token: pass --admin-token or set INSTANT_APP_ADMIN_TOKEN');
  const { api } = platformApi(args, io);
  io.stderr(`Claiming ${appId}…`);
  const res = await dashRequest<{ app?: { id: string; title: string } }>(args, io, api, `/dash/apps/ephemeral/${encodeURIComponent(appId)}/claim`, {
    method: 'POST',
    body: { app_id: appId, token: args.adminToken },
  });
  io.stderr(`App ${appId} is now yours and will not expire.`);
  if (args.json) io.stdout(JSON.stringify({ app: { appId: res.app?.id ?? appId, title: res.app?.title }, claimed: true }));
}

/** `apps list`. */
export async function appsList(args: ParsedArgs, io: CliIO): Promise<void> {
  const { api } = platformApi(args, io);
  const { apps } = await api.getApps();
  if (args.json) {
    io.stdout(JSON.stringify({ apps: apps.map((a) => ({ id: a.id, title: a.title, createdAt: a.createdAt.toISOString(), orgId: a.orgId })) }));
    return;
  }
  if (!apps.length) io.stderr('No apps yet.');
  for (const a of apps) io.stdout(`${a.id}  ${a.createdAt.toISOString().slice(0, 10)}  ${a.title}`);
}

/** `whoami`. */
export async function whoami(args: ParsedArgs, io: CliIO): Promise<void> {
  const { api } = platformApi(args, io);
  const { user } = await dashRequest<{ user: { id: string; email: string; created_at?: string } }>(args, io, api, '/dash/me');
  io.stdout(args.json ? JSON.stringify({ user }) : user.email);
}
