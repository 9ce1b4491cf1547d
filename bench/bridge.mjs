#!/usr/bin/env node
/** The bridge against a bare ws server at 1, 1,000 and 5,000 agents: bench/bridge.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/bridge.ts');
