/**
 * The one script of the provider's pages (docs/pages.md §7), served as `/assets/copy.js` because the pages'
 * Content-Security-Policy allows scripts only from 'self' (web/http/security-headers.ts), never inline.
 * It shows the Copy button of each one-time secret and copies the exact value with the Clipboard API.
 * Without the Clipboard API (a plain-http origin other than localhost) the button stays hidden and the
 * secret can still be selected and copied by hand.
 */
export const COPY_SCRIPT = `'use strict';
document.querySelectorAll('button[data-copy]').forEach(function (button) {
  var value = document.getElementById(button.getAttribute('data-copy'));
  var status = document.getElementById(button.getAttribute('data-copy-status'));
  if (!value || !status || !navigator.clipboard || !window.isSecureContext) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    // Emptied first so that a second press is announced again.
    status.textContent = '';
    navigator.clipboard.writeText(value.textContent.trim()).then(
      function () { status.textContent = 'Copied'; },
      function () { status.textContent = 'Could not copy: select the text and copy it yourself'; }
    );
  });
});
`;
