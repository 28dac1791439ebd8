-- One live grant per user and OAuth app. Before this, two Allows at the same moment for a user's first sign-in to
-- an app could each create one. With the index, Allow inserts or widens the live grant in one upsert (decision.ts).
--
-- Grants duplicated before are merged into the earliest: it takes the scopes of all and the latest use, and their
-- codes and tokens move to it, so every token keeps working and revoking the app still ends them all.
create temporary table grant_merge on commit drop as
  select id, first_value(id) over (partition by user_id, oauth_app_id order by created_at, id) as keep
    from grants
   where revoked_at is null;

delete from grant_merge where id = keep;

update grants g
   set scopes = g.scopes || array(
         select s from grant_merge m join grants d on d.id = m.id, unnest(d.scopes) s
          where m.keep = g.id and s <> all(g.scopes)
          group by s order by min(d.created_at), s),
       last_used_at = (select max(d.last_used_at) from grants d where d.id = g.id or d.id in (select m.id from grant_merge m where m.keep = g.id))
 where g.id in (select keep from grant_merge);

update authorization_codes c set grant_id = m.keep from grant_merge m where c.grant_id = m.id;
update refresh_tokens t set grant_id = m.keep from grant_merge m where t.grant_id = m.id;
update access_tokens t set grant_id = m.keep from grant_merge m where t.grant_id = m.id;
delete from grants where id in (select id from grant_merge);

create unique index grants_live_one on grants (user_id, oauth_app_id) where revoked_at is null;
