// The "ready" text `npm start` prints (scripts/start.mjs), kept apart so a test can read it without starting servers.

/**
 * The URLs, the demo login, and how to become an operator (docs/pages.md §8): with OPERATOR_EMAILS at start-up,
 * because `operator add` cannot open the embedded store while this provider holds it (PGlite is single-process).
 */
export function readyBanner({ secs, demoUrl, providerUrl, demoPassword, operatorEmails, smtpUrl }) {
  // Without SMTP_URL no mail leaves this machine: verification and reset links are in the dev outbox (docs/security-accounts.md §8).
  const mail = smtpUrl ? '' : `  Mail (no SMTP_URL, not sent):       ${providerUrl}/dev/outbox   (opens on this machine only)\n`;
  const operators = operatorEmails
    ? `  Operators (OPERATOR_EMAILS):        ${operatorEmails}   (console at ${providerUrl}/dash/operator)`
    : `  Operator console:                   restart with OPERATOR_EMAILS=you@example.com npm start
                                      (\`npx --no instant-provider operator add EMAIL\` works only while
                                      the provider is stopped: the embedded store is single-process)`;
  return `
  ✔ ready in ${secs}s

  Demo app (the app builder's site):  ${demoUrl ?? '(not built yet)'}
  Provider (Sign in with Instant):    ${providerUrl}/dash
  Demo login:                         demo@example.com / ${demoPassword}   (or sign up a new account)
${mail}${operators}

  Press Ctrl-C to stop both.
`;
}
