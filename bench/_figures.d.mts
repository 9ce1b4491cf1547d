/** Types of bench/_figures.mjs, for the TypeScript benches. */
export const FIGURES_DIR: string;
export function saveFigures(name: string, figures: Record<string, unknown>): string;
export function flatten(value: unknown, prefix?: string, out?: Map<string, number>): Map<string, number>;
export function figuresFromOutput(text: string): Record<string, unknown>;
