#!/usr/bin/env node
/** Screen-pop latency against a bare extension (warm, cold worker; busy PBX), bundle sizes, content-script cost: bench/screenpop.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/screenpop.ts');
