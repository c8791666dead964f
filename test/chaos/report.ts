/** Chaos scenarios print one summary line each; docs/reliability.md quotes them. */
export function report(scenario: string, figures: Record<string, number | string>): void {
  const text = Object.entries(figures)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  process.stdout.write(`[chaos] ${scenario}: ${text}\n`);
}
