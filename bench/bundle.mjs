#!/usr/bin/env node
/** What each bundle is made of (esbuild's metafile), and the JS heap the content script adds to a CRM tab: bench/bundle.ts. */
import { runTs } from './_ts.mjs';

await runTs('bench/bundle.ts');
