#!/usr/bin/env node
/** 1,000 calls through dropped sockets and stopped workers: bench/chaos.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/chaos.ts');
