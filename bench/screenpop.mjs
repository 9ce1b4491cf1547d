#!/usr/bin/env node
/** Screen-pop latency (warm, busy PBX, cold worker), bundle sizes, content-script cost: bench/screenpop.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/screenpop.ts');
