#!/usr/bin/env node
import { daemonCommand } from '../daemon/main.js';

await daemonCommand().parseAsync(process.argv);
