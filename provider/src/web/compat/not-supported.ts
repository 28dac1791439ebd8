import { Hono } from 'hono';
import { ApiError } from '../../domain/errors.ts';

/**
 * The data plane — an app's entities and everything that reads or moves them — lives in Instant's database, not in
 * this provider (docs/instant-compat.md §6). Its routes answer 501 with a typed body, so Instant's SDK and CLI print
 * what is missing instead of "No route for …".
 */
export const NOT_SUPPORTED: ReadonlyArray<{ feature: string; what: string; paths: string[] }> = [
  { feature: 'queries', what: 'Querying app data (instant-cli query, the admin SDK query)', paths: ['/admin/query'] },
  { feature: 'transactions', what: 'Writing app data (the admin SDK transact)', paths: ['/admin/transact'] },
  { feature: 'storage', what: 'File storage', paths: ['/admin/storage/*', '/dash/apps/:app_id/storage/*'] },
  { feature: 'admin-api', what: "The admin SDK's data API", paths: ['/admin/*'] },
  { feature: 'webhooks', what: 'Webhooks of data changes', paths: ['/dash/apps/:app_id/webhooks', '/dash/apps/:app_id/webhooks/*', '/webhooks/*'] },
  { feature: 'backups', what: 'Backups of app data', paths: ['/dash/apps/:app_id/backups', '/dash/apps/:app_id/backups/*', '/dash/apps/:app_id/backup-jobs', '/dash/apps/:app_id/backup-jobs/*', '/dash/restores/*', '/dash/restore-jobs', '/dash/restore-jobs/*'] },
  { feature: 'clear-data', what: 'Clearing app data', paths: ['/dash/apps/:app_id/clear'] },
  // App auth settings are stored (platform/app-auth/); verifying a sender address means sending mail from Instant's service.
  { feature: 'sender-verification', what: 'Verifying an email sender address (instant-cli auth email verify)', paths: ['/dash/apps/:app_id/sender-verification/*', '/dash/apps/:app_id/send-test-email'] },
  { feature: 'realtime', what: 'The realtime sync and app-user auth runtime', paths: ['/runtime/*'] },
];

export function notSupported(feature: string, what: string): ApiError {
  return new ApiError(501, 'not-supported', `${what} is not available on a self-hosted Instant platform`, { feature });
}

/**
 * The 501 answers, every method (these are whole features, not single endpoints). Mounted after the Platform API's
 * routes, so its CORS middleware lets a browser read them too.
 */
export function notSupportedRoutes(): Hono {
  const r = new Hono();
  for (const { feature, what, paths } of NOT_SUPPORTED) {
    for (const path of paths) {
      r.all(path, () => {
        throw notSupported(feature, what);
      });
    }
  }
  return r;
}
