#!/usr/bin/env node
import { main } from '../clients/cli/main.js';

// `aistack memory list | head`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv);
process.exitCode = code;
