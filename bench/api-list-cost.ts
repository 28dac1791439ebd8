// scratch: per-request cost of GET /superadmin/apps in process (no sockets), and of its statements alone
import { createProvider } from '../provider/src/app.ts';
import { defaultConfig } from '../provider/src/domain/config.ts';
import { openStore, type Db, type Store } from '../provider/src/store/index.ts';
import { send } from '../provider/src/reliability/flow.ts';
import { createOAuthClient, listAppsRequest, signInFlow, signUp } from '../provider/src/reliability/provider-flows.ts';

const stmts: Array<[string, unknown[] | undefined]> = [];
let capture = false;
const counting = (db: Db): Db => ({
  query: (sql, p) => (capture && stmts.push([sql, p]), db.query(sql, p)),
  one: (sql, p) => (capture && stmts.push([sql, p]), db.one(sql, p)),
  tx: (fn) => db.tx((inner) => fn(counting(inner))),
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
for (const step of flow.steps) step.response(state, await send(f, base, step.request(state)));
const token = state.tokens!.access_token;
for (let i = 0; i < 5; i++) await f(base + '/superadmin/apps', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'App ' + i }) });
const req = listAppsRequest(token);
capture = true;
const r0 = await send(f, base, req);
capture = false;
console.log('status', r0.status, 'statements', stmts.length);
const N = 3000;
for (let round = 0; round < 2; round++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) await send(f, base, req);
  const http = (performance.now() - t) / N;
  const each: number[] = [];
  for (const [sql, p] of stmts) {
    t = performance.now();
    for (let i = 0; i < N; i++) await store.query(sql, p);
    each.push((performance.now() - t) / N);
  }
  console.log(`in-process request ${(http * 1000).toFixed(0)} µs; statements ${each.map((e) => (e * 1000).toFixed(0) + ' µs').join(' + ')}`);
}
for (const [sql, p] of stmts) {
  console.log(sql.replace(/\s+/g, ' ').slice(0, 400));
  for (const r of await store.query<{ 'QUERY PLAN': string }>('explain (analyze, buffers) ' + sql, p)) console.log('   ', r['QUERY PLAN']);
}
await provider.close();
process.exit(0);
