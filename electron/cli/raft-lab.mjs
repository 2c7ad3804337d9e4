#!/usr/bin/env node
// The `raft-lab` command from a source checkout: registers tsx so Node runs the TypeScript
// entry directly (no build step), then hands over to main.ts.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
