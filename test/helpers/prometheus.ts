/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every line
 * must be a comment, a HELP or TYPE line, or a well-formed sample of a family with a TYPE;
 * histograms must have cumulative buckets ending in +Inf equal to their count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+-?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text: string): Exposition {
  const exposition: Exposition = { samples: [], types: new Map(), help: new Map() };
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`);
        if (exposition.types.has(name)) throw new Error(`second TYPE, ${where}`);
        exposition.types.set(name, rest);
      } else exposition.help.set(name, rest);
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample, ${where}`);
    const [, name, labelText = '', valueText] = match as unknown as [
      string,
      string,
      string,
      string,
    ];
    const value = parseValue(valueText, where);
    exposition.samples.push({ name, labels: parseLabels(labelText, where), value });
    if (!exposition.types.has(family(name, exposition.types))) {
      throw new Error(`sample before its TYPE, ${where}`);
    }
  });
  checkHistograms(exposition);
  return exposition;
}

function parseValue(text: string, where: string): number {
  // Prometheus parses values with Go's ParseFloat: Inf and NaN in any case (prom-client writes Nan).
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  const value = Number(text);
  if (!/^-?[0-9.eE+-]+$/.test(text) || Number.isNaN(value)) throw new Error(`bad value, ${where}`);
  return value;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`bad labels, ${where}`);
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    rest = rest.slice(match[0].length);
  }
  return labels;
}

function family(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ['histogram', 'summary'].includes(types.get(base) ?? '')) {
      return base;
    }
  }
  return name;
}

function checkHistograms({ samples, types }: Exposition): void {
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((s) => s.name === `${name}_bucket`)) {
      const { le: _le, ...rest } = sample.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const values = buckets.map((b) => b.value);
      if (values.some((v, i) => i > 0 && v < values[i - 1]!)) {
        throw new Error(`${name}${key}: buckets are not cumulative`);
      }
      const last = buckets.at(-1)!;
      const count = samples.find(
        (s) => s.name === `${name}_count` && JSON.stringify(s.labels) === key,
      );
      if (last.labels.le !== '+Inf' || count?.value !== last.value) {
        throw new Error(`${name}${key}: +Inf bucket missing or not equal to the count`);
      }
    }
  }
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]?.value;
}
