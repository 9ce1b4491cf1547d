#!/usr/bin/env node
/** Voximplant: scenario request → card painted (p50/p95, against the webhook peer), requests and bytes per call: bench/voximplant.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/voximplant.ts');
