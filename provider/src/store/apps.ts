/**
 * THE reachability rule (docs/security.md "Orgs"): every app user `$n` can reach, with the role they hold on it —
 * `owner` of an app they created, their member role on an app of an org they belong to. An app has one owner, a
 * user or an org (the `apps_one_owner` check), so each app appears at most once. Used as a `from` item, aliased
 * `ra` (all columns of `apps` plus `role`), by `listApps` and `authorizeApp` alike (and the consent
 * page's statement, store/authorization-requests.ts); nothing else decides reach.
 */
export function reachableApps(userParam: string): string {
  return `(select a.*, 'owner'::text as role from apps a where a.creator_id = ${userParam}
           union all
           select a.*, m.role from apps a join org_members m on m.org_id = a.org_id and m.user_id = ${userParam}) ra`;
}
