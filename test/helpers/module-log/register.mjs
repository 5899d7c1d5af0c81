// Preloaded with `--import` (tests only): appends each module URL the process resolves,
// one per line, to the file named by AISTACK_TEST_MODULE_LOG.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.AISTACK_TEST_MODULE_LOG;
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => {
  if (seen.has(url)) return;
  seen.add(url);
  appendFileSync(file, url + '\n');
});
port1.unref();
register('./hooks.mjs', {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});
