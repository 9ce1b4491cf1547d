#!/usr/bin/env node
/** Two bridge nodes on Redis against one node without it, under the same load: bench/bridge-cluster.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/bridge-cluster.ts');
