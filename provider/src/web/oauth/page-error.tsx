import { ProviderError } from '../../domain/errors.ts';
import { ErrorHtml } from './consent.tsx';

/**
 * An error of the browser endpoints that the user sees as a page, never as a redirect: the redirect
 * URI cannot be trusted yet (RFC 6749 §4.1.2.1, docs/security.md §2). Renders itself.
 */
export class PageError extends ProviderError {
  constructor(
    status: 400 | 403 | 404 | 413,
    readonly title: string,
    message: string,
  ) {
    super(status, message);
  }

  getResponse(): Response {
    return new Response(String(ErrorHtml({ title: this.title, message: this.message })), { status: this.status, headers: { 'Content-Type': 'text/html; charset=UTF-8' } });
  }

  /** A POST body over `maxBytes`: a 413 page (before, the request read as empty and the page said "Unknown app"). */
  static tooLarge(maxBytes: number): PageError {
    return new PageError(413, 'Request too large', `This sign-in request is larger than ${Math.round(maxBytes / 1024)} KB, so it was not read. Go back to the app and try again.`);
  }
}
