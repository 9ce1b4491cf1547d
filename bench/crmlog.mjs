#!/usr/bin/env node
/** Call logging: wrap-up saved → activity created, and a 1,000-call outbox draining beside the card and popup: bench/crmlog.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/crmlog.ts');
