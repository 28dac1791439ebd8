import type { Ctx } from '../../context.ts';
import { nowDate } from '../../context.ts';
import { emailSchema } from '../../accounts/users.ts';
import { ApiError } from '../../errors.ts';
import { isUuid } from '../../tokens.ts';
import { auditAuth, type Actor } from './settings.ts';
import { deleteEmailTemplate as deleteTemplateRow, findMagicCodeTemplate, upsertMagicCodeTemplate, type EmailTemplateRow as TemplateRow } from '../../../store/app-auth.ts';
import { invalid, optionalText, requiredText } from './validate.ts';

/**
 * An app's magic-code email template (`instant-cli auth email pull|push|status|reset`, docs/instant-compat.md §8).
 * Stored per app; nothing here sends it (the app-user auth runtime is Instant's), and a custom sender address is
 * never verified here: `verification_verified` is null and the sender-verification sends answer 501.
 */

/** `GET /dash/default-email-template`: the starting point `auth email pull` writes when an app has none. */
export const DEFAULT_EMAIL_TEMPLATE = {
  subject: '{code} is your code for {app_title}',
  body: '<p>Hello {user_email},</p>\n<p>Your code for {app_title} is <strong>{code}</strong>. It expires in {expiration}.</p>\n<p>If you did not ask for it, you can ignore this email.</p>',
};

/** The CLI's `email_status` info shape. */
const infoJson = (t: TemplateRow) => ({
  id: t.id,
  app_id: t.app_id,
  email_type: t.email_type,
  subject: t.subject,
  body: t.body,
  name: t.sender_name,
  email: t.sender_email,
  sender_id: null,
  postmark_id: null,
  verification_id: null,
  verification_verified: null,
});

export async function emailStatus(ctx: Ctx, appId: string) {
  const t = await findMagicCodeTemplate(ctx.db, appId);
  return { info: t ? infoJson(t) : null };
}

/** `POST /dash/apps/:id/email_templates`: creates or replaces the template; `{code}` must be in subject and body. */
export async function putEmailTemplate(ctx: Ctx, actor: Actor, appId: string, b: Record<string, unknown>) {
  const type = b['email-type'] ?? 'magic-code';
  if (type !== 'magic-code') throw invalid(['email-type'], 'must be magic-code');
  const subject = requiredText(b.subject, ['subject'], 200);
  const body = optionalText(b.body, ['body'], 100_000, { multiline: true });
  if (body === null) throw ApiError.paramMissing('body');
  for (const [path, text] of [['subject', subject], ['body', body]] as const) {
    if (!text.includes('{code}')) throw invalid([path], 'must contain {code}');
  }
  const senderName = requiredText(b['sender-name'], ['sender-name'], 100);
  const rawSender = optionalText(b['sender-email'], ['sender-email'], 254);
  const sender = rawSender === null ? null : emailSchema.safeParse(rawSender);
  if (sender && !sender.success) throw invalid(['sender-email'], 'must be an email address');
  const now = nowDate(ctx);
  return ctx.db.tx(async (db) => {
    const row = await upsertMagicCodeTemplate(db, { id: ctx.random.uuid(), appId, subject, body, senderName, senderEmail: sender?.data ?? null, now });
    await auditAuth(ctx, db, actor, appId, 'email_template_saved', { email_template_id: row.id });
    return { info: infoJson(row) };
  });
}

export async function deleteEmailTemplate(ctx: Ctx, actor: Actor, appId: string, templateId: string) {
  await ctx.db.tx(async (db) => {
    const id = isUuid(templateId) ? await deleteTemplateRow(db, appId, templateId.toLowerCase()) : undefined;
    if (id === undefined) throw ApiError.notFound('email-template', 'No such email template on this app');
    await auditAuth(ctx, db, actor, appId, 'email_template_deleted', { email_template_id: id });
  });
  return {};
}
