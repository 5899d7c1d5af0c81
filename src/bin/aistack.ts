#!/usr/bin/env node
import { main } from '../clients/cli/main.js';

const code = await main(process.argv);
process.exitCode = code;
