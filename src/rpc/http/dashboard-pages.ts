/**
 * The few pages the daemon writes itself rather than the dashboard's script: a login
 * link that is expired, used or unknown, a browser that is not signed in, a build
 * without the dashboard, and the step from the login link into the dashboard. Plain HTML
 * with no script and no inline style (the CSP allows neither); every one says what to
 * do next.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const NEW_LINK =
  'Run <code>aistack dashboard</code> for a new sign-in link (or <code>aistack dashboard --print-url</code> to print it); each link works once, for a minute.';

export function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${head}<title>${esc(title)} · aistack</title>
<link rel="icon" href="/dashboard/favicon.svg">
<link rel="stylesheet" href="/dashboard/pages.css">
</head>
<body>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export const linkRefusedPage = (reason: 'expired' | 'used' | 'unknown' | 'missing') =>
  page(
    reason === 'expired'
      ? 'This sign-in link has expired'
      : reason === 'used'
        ? 'This sign-in link was already used'
        : 'This sign-in link is not valid',
    `<p>${
      reason === 'expired'
        ? 'Sign-in links work for a short time only.'
        : reason === 'used'
          ? 'Each sign-in link works once, in the first browser that opens it.'
          : 'The daemon does not know this link (it may have been restarted since).'
    }</p>
<p>${NEW_LINK}</p>`,
  );

export const notSignedInPage = () =>
  page(
    'Not signed in',
    `<p>This browser has no dashboard session (or it ended: sessions end after 30 minutes without use, or when the daemon restarts).</p>
<p>${NEW_LINK}</p>`,
  );

export const notBuiltPage = () =>
  page(
    'The dashboard was not built',
    '<p>This daemon was built without its web part (<code>dist/web</code> is missing): run <code>npm run build</code> and restart the daemon.</p>',
  );

/** After the link: the step into the dashboard, a same-origin navigation, so the SameSite=Strict cookie goes with it. */
export const signedInPage = (to: string) =>
  page(
    'Signed in',
    `<p><a href="${esc(to)}">Continue to the dashboard</a>.</p>`,
    `<meta http-equiv="refresh" content="0;url=${esc(to)}">\n`,
  );
