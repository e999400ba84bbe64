import { formatIssue } from './issues.js';
import type { ImportReport } from './import.js';
import type { AccountCounts } from './summary.js';

const OUTCOMES = ['created', 'updated', 'disabled', 'reenabled', 'unchanged', 'rejected', 'skipped'] as const;

function countsLine(counts: AccountCounts): string {
  return OUTCOMES.map((o) => `${o} ${counts[o]}`).join(', ');
}

/** The human-readable report `homeroom roster import` prints. */
export function reportText(report: ImportReport): string {
  const lines: string[] = [];
  const title = {
    applied: 'Roster imported',
    'dry-run': 'Dry run (nothing changed)',
    invalid: 'Roster NOT imported',
    refused: 'Roster NOT imported',
    failed: 'Roster import failed',
  }[report.status];
  lines.push(`${title}: ${report.source}`);
  if (report.message) lines.push(`  ${report.message}`);
  lines.push(`  ${report.rows.toLocaleString('en-US')} rows in ${(report.durationMs / 1000).toFixed(1)} s (${report.rowsPerSecond.toLocaleString('en-US')} rows/s)`);
  const s = report.summary;
  if (s) {
    lines.push(
      `  files: ${
        Object.entries(s.files)
          .map(([f, v]) => `${f} ${v.mode} (${v.rows})`)
          .join(', ') || 'none'
      }`,
    );
    if (s.ignoredFiles.length) lines.push(`  not read: ${s.ignoredFiles.join(', ')}`);
    lines.push(`  accounts: ${countsLine(s.accounts)}`);
    for (const [role, counts] of Object.entries(s.accounts.byRole).sort()) lines.push(`    ${role.padEnd(10)} ${countsLine(counts)}`);
    const schools = Object.entries(s.accounts.bySchool).sort();
    if (schools.length) {
      lines.push('  by school:');
      for (const [id, counts] of schools.slice(0, 50)) lines.push(`    ${(counts.name ? `${counts.name} (${id})` : id).padEnd(40)} ${countsLine(counts)}`);
      if (schools.length > 50) lines.push(`    … and ${schools.length - 50} more schools (see --json)`);
    }
    for (const [entity, c] of Object.entries(s.entities)) {
      lines.push(
        `  ${entity}: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, removed ${c.removed}, rejected ${c.rejected}${c.skipped ? `, skipped ${c.skipped}` : ''}`,
      );
    }
    for (const [reason, count] of Object.entries(s.skipped)) lines.push(`  skipped (${reason}): ${count}`);
  }
  if (report.sessionsRevoked) lines.push(`  sessions and tokens revoked: ${report.sessionsRevoked}`);
  if (report.logoutNotices) lines.push(`  apps to be told by back-channel logout: ${report.logoutNotices} (the running server sends them)`);
  for (const [label, list] of [
    ['errors', report.errors],
    ['warnings', report.warnings],
  ] as const) {
    if (!list.count) continue;
    lines.push(`  ${label} (${list.count}${list.count > list.items.length ? `, first ${list.items.length} shown` : ''}):`);
    for (const issue of list.items) lines.push(`    ${formatIssue(issue)}`);
  }
  return lines.join('\n');
}
