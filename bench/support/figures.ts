/**
 * The figures a benchmark reports: a measured value, the target it is held to, and what it was computed from, so that
 * the table and the JSON say the same thing.
 */

/** How a value is held to its target: `<=` and `<` are ceilings, `>=` a floor. */
export interface Target {
  op: '<=' | '<' | '>=';
  value: number;
}

/** What a figure is and what it is held to, known before anything is measured. */
export interface FigureSpec {
  /** A stable name, the key a reader compares across runs with. */
  id: string;
  /** What the figure measures, in a few words. */
  title: string;
  /** `x` for a ratio against the baseline; otherwise the unit of the value (`MB`, `events`, `KB`). */
  unit: string;
  target: Target;
}

/** One row of the results table. */
export interface Figure extends FigureSpec {
  value: number;
  pass: boolean;
  /** What the value is made of, in one line ("ours 31 ms / baseline 205 ms, medians of 7"). */
  basis: string;
  /** Raw samples, medians and profiles, for the JSON. */
  detail: Record<string, unknown>;
}

/** Builds a figure and decides whether it meets its target. */
export function figure(init: Omit<Figure, 'pass'>): Figure {
  const { op, value } = init.target;
  const pass =
    Number.isFinite(init.value) &&
    (op === '<=' ? init.value <= value : op === '<' ? init.value < value : init.value >= value);
  return { ...init, pass };
}

/** A figure that could not be measured (its benchmark failed): always a miss, with the reason. */
export function unmeasured(spec: FigureSpec, reason: string): Figure {
  return { ...spec, value: Number.NaN, pass: false, basis: `not measured: ${reason}`, detail: {} };
}

/** A benchmark: the figures it measures, and how. */
export interface Benchmark<Context> {
  name: string;
  figures: FigureSpec[];
  run(context: Context): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

/** Rounds for display and JSON; measurements carry no more precision than this. */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export const MB = 1024 * 1024;

/** Bytes as mebibytes, rounded to one decimal. */
export function toMb(bytes: number): number {
  return round(bytes / MB, 1);
}

/** The `value unit` text of a figure or target. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = unit === 'x' ? (value < 0.1 ? 3 : 2) : value >= 100 ? 0 : 1;
  const text = value.toFixed(digits);
  return unit === 'x' ? `${text}x` : `${text} ${unit}`;
}

/** The results as a plain-text table, one row per figure and its basis on the line below. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((item) => [
    item.title,
    formatValue(item.value, item.unit),
    `${item.target.op} ${formatValue(item.target.value, item.unit)}`,
    item.pass ? 'PASS' : 'MISS',
  ]);
  const header = ['figure', 'measured', 'target', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');

  const lines = [line(header), widths.map((width) => '-'.repeat(width)).join('  ')];
  figures.forEach((item, index) => {
    lines.push(line(rows[index]!));
    lines.push(`    ${item.basis}`);
  });
  return lines.join('\n');
}
