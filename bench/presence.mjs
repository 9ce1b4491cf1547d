#!/usr/bin/env node
/** Presence update latency, PBX event → clientStateChanged at every agent, bridge against a floor: bench/presence.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/presence.ts');
