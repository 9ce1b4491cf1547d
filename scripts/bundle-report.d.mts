/** Types of scripts/bundle-report.mjs, for the TypeScript benches. */
export interface BundleInputs {
  file: string;
  bytes: number;
  inputs: { input: string; bytes: number }[];
  rest: number;
}
export function metafilePath(dist: string, browser: string): string;
export function bundleInputs(metafile: unknown, top?: number): BundleInputs[];
export function readBundleInputs(dist: string, browser?: string, top?: number): BundleInputs[];
export function formatBundleInputs(bundles: BundleInputs[], only?: string[]): string[];
