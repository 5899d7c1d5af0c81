/**
 * `aistack dashboard`: asks the daemon for a one-time sign-in link to the web dashboard
 * and opens it in the default browser (xdg-open, or open on macOS), or prints it with
 * `--print-url` (headless machines, scripts, tests). The link works once, for a minute
 * (`--ttl`). When the HTTP front door is off the daemon's answer says how to turn it on.
 */
import { execFile } from 'node:child_process';
import { Command, Option } from 'commander';
import { withClient } from './context.js';
import { printJson } from './output.js';

const OPEN_TIMEOUT_MS = 5_000;

/** Starts the desktop's URL opener (no shell); resolves false when there is none or it fails. */
function openInBrowser(url: string): Promise<boolean> {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  return new Promise((resolve) => {
    execFile(opener, [url], { timeout: OPEN_TIMEOUT_MS, windowsHide: true }, (err) =>
      resolve(!err),
    ).on('error', () => resolve(false));
  });
}

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description(
      'Open the web dashboard with a one-time sign-in link (needs http.enabled); --print-url prints the link instead.',
    )
    .option('--print-url', 'print the link instead of opening a browser')
    .addOption(
      new Option('--ttl <seconds>', 'how long the link works (1-600)')
        .argParser((v) => Number.parseInt(v, 10))
        .default(60),
    )
    .action((o: { printUrl?: boolean; ttl: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const link = await client.call('dashboard.link', { ttlSeconds: o.ttl });
        if (opts.json) return printJson(link);
        if (o.printUrl) {
          process.stdout.write(`${link.url}\n`);
          return;
        }
        const opened = await openInBrowser(link.url);
        process.stdout.write(
          opened
            ? `Opening the dashboard in your browser; if none appears, open this link (it works once, until ${link.expiresAt}):\n${link.url}\n`
            : `Open this link in a browser on this machine (it works once, until ${link.expiresAt}):\n${link.url}\n`,
        );
      }),
    );
}
