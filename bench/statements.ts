// `node --import tsx bench/statements.ts`: the SQL statements each benchmarked request runs, in process on an
// in-memory store — on the embedded store every statement is a call into PGlite on the event loop, so this count is
// what bounds the per-request cost there (see bench/RESULTS.md).
import { createProvider } from '../provider/src/app.ts';
import { defaultConfig } from '../provider/src/domain/config.ts';
import { openStore, type Db, type Store } from '../provider/src/store/index.ts';
import { send } from '../provider/src/reliability/flow.ts';
import { createOAuthClient, listAppsRequest, refreshRequest, signInFlow, signUp, temporaryAppRequest } from '../provider/src/reliability/provider-flows.ts';

const log: string[] = [];
const short = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 100);
const counting = (db: Db): Db => ({
  query: (sql, p) => (log.push(short(sql)), db.query(sql, p)),
  one: (sql, p) => (log.push(short(sql)), db.one(sql, p)),
  tx: (fn) => (log.push('BEGIN'), db.tx((inner) => fn(counting(inner))).finally(() => log.push('COMMIT'))),
});

const store = await openStore('memory', '.');
const provider = await createProvider(defaultConfig({ secret: 'statements-statements-statements-0123' }), { store: { ...store, ...counting(store) } as Store, sweeper: false });
await provider.ready;
const f = ((input: RequestInfo | URL, init?: RequestInit) => provider.app.request(String(input), init)) as typeof fetch;
const base = provider.ctx.config.issuer;
const session = await signUp(f, base, 'statements@example.com');
const client = await createOAuthClient(f, base, session);
const flow = signInFlow({ client, session });
const state = flow.init();
const report = (name: string) => {
  // A data-modifying CTE (`with x as (update …) …`) is a write too: one atomic statement.
  const isWrite = (s: string) => /^(insert|update|delete)/i.test(s) || (/^with\b/i.test(s) && /\b(insert into|update \w+ .*set|delete from)\b/i.test(s));
  const writes = log.filter(isWrite).length;
  const commits = log.filter((s) => s === 'COMMIT').length + log.filter((s, i) => isWrite(s) && !insideTx(i)).length;
  console.log(`${name}: ${log.filter((s) => s !== 'BEGIN' && s !== 'COMMIT').length} statements, ${writes} writes, ${commits} commits\n  ${log.join('\n  ')}`);
  log.length = 0;
};
const insideTx = (i: number) => {
  let depth = 0;
  for (let j = 0; j < i; j++) depth += log[j] === 'BEGIN' ? 1 : log[j] === 'COMMIT' ? -1 : 0;
  return depth > 0;
};
for (const step of flow.steps) {
  log.length = 0;
  step.response(state, await send(f, base, step.request(state)));
  report(`sign-in flow, ${step.name}`);
}
for (const [name, req] of [
  ['refresh-grant', refreshRequest(client, state.tokens!.refresh_token)],
  ['api-list-apps', listAppsRequest(state.tokens!.access_token)],
  ['temporary-app', temporaryAppRequest()],
] as const) {
  log.length = 0;
  const res = await send(f, base, req);
  report(`${name} (HTTP ${res.status})`);
}
await provider.close();
process.exit(0);
