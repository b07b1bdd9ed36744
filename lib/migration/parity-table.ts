/** How a parity report reads for people: a table on stdout, one summary line, and a small self-contained HTML page. */
import type { FieldDiff, ParityReport } from '#lib/migration/parity-report';

const COLUMNS = ['matched', 'different', 'legacy-only', 'bridge-only', 'ignored'] as const;

function value(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

function diffLine(d: FieldDiff): string {
  return `${d.path}: legacy ${value(d.legacy)}, bridge ${value(d.bridge)}${d.expected ? ` (expected: ${d.expected})` : ''}`;
}

/** One line: what failed, or that parity is full. */
export function paritySummary(report: ParityReport): string {
  const total = { different: 0, 'legacy-only': 0, 'bridge-only': 0, matched: 0 };
  for (const d of report.destinations)
    for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += d.counts[k];
  const routes = `${report.destinations.length} route${report.destinations.length === 1 ? '' : 's'}`;
  if (report.passed)
    return `parity: PASSED: ${total.matched} feedback events matched on ${routes}, no unexpected difference`;
  const seen = (d: ParityReport['destinations'][number]) =>
    d.counts.matched + d.counts.different + d.counts['legacy-only'] + d.counts['bridge-only'];
  const empty = report.destinations.filter((d) => seen(d) === 0).map((d) => d.route);
  const parts = [
    `${total['legacy-only']} legacy only (lost by the bridge)`,
    `${total['bridge-only']} bridge only`,
    `${total.different} with unexpected differences`,
    ...(empty.length > 0 ? [`no feedback seen on ${empty.join(', ')} (send with --send, or a longer --duration)`] : []),
    ...(report.interrupted ? ['interrupted'] : []),
    ...(report.destinations.length === 0 ? ['no shadow route of this account in the plan'] : []),
  ];
  return `parity: FAILED: ${parts.join('; ')}; ${total.matched} matched on ${routes}`;
}

/** The readable report: per route the counts, then each event that is not matched, with its differences. */
export function parityTable(report: ParityReport): string {
  const rows = [['route', ...COLUMNS, 'result']];
  for (const d of report.destinations)
    rows.push([d.route, ...COLUMNS.map((c) => String(d.counts[c])), d.passed ? 'ok' : 'FAILED']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = [
    `parity of plan ${report.planId} in account ${report.accountId}, ${Math.round(report.durationMs / 1000)} s from ${report.checkedAt}`,
    '',
    ...rows.map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
    '',
  ];
  for (const d of report.destinations) {
    for (const e of d.events) {
      const unexpected = e.differences.filter((x) => x.expected === null);
      const expected = e.differences.filter((x) => x.expected !== null);
      if (e.status !== 'matched')
        lines.push(`${d.route}: ${e.status.toUpperCase()}: ${e.type} of ${e.messageId} (${e.feedbackKey})`);
      for (const x of unexpected) lines.push(`  unexpected difference: ${diffLine(x)}`);
      if (expected.length > 0)
        lines.push(
          `${d.route}: ${e.type} of ${e.messageId}: ${expected.length} expected differences (${[...new Set(expected.map((x) => x.expected))].join(', ')})`,
        );
      if (e.legacyCopies > 1 || e.bridgeCopies > 1)
        lines.push(
          `${d.route}: ${e.type} of ${e.messageId}: duplicates: ${e.legacyCopies} legacy, ${e.bridgeCopies} shadow copies`,
        );
    }
  }
  lines.push(paritySummary(report));
  return `${lines.join('\n')}\n`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A one-page summary: a stacked bar per route (matched green, the rest red or grey) and the summary line. */
export function parityHtml(report: ParityReport): string {
  const colors = {
    matched: '#2e7d32',
    different: '#c62828',
    'legacy-only': '#ad1457',
    'bridge-only': '#ef6c00',
    ignored: '#9e9e9e',
  };
  const bars = report.destinations.map((d, row) => {
    const total = Math.max(
      1,
      COLUMNS.reduce((n, c) => n + d.counts[c], 0),
    );
    let x = 260;
    const parts = COLUMNS.filter((c) => d.counts[c] > 0).map((c) => {
      const w = (d.counts[c] / total) * 400;
      const rect = `<rect x="${x.toFixed(1)}" y="${row * 30 + 5}" width="${w.toFixed(1)}" height="20" fill="${colors[c]}"><title>${c}: ${d.counts[c]}</title></rect>`;
      x += w;
      return rect;
    });
    return `<text x="0" y="${row * 30 + 20}" font-size="12">${escapeHtml(d.route)}</text>${parts.join('')}<text x="670" y="${row * 30 + 20}" font-size="12">${d.passed ? 'ok' : 'FAILED'}</text>`;
  });
  const legend = COLUMNS.map((c) => `<span style="color:${colors[c]}">&#9632; ${c}</span>`).join(' ');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>ses-bridge parity ${escapeHtml(report.planId)}</title></head>
<body style="font-family:sans-serif">
<h1>Parity of plan ${escapeHtml(report.planId)}, account ${escapeHtml(report.accountId)}</h1>
<p><strong>${escapeHtml(paritySummary(report))}</strong></p>
<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${report.destinations.length * 30 + 10}">${bars.join('')}</svg>
<p>${legend}</p>
<pre>${escapeHtml(parityTable(report))}</pre>
</body></html>
`;
}
