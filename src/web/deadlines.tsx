/** A case's or a supervision item's running deadlines: what, the last day, the days left (DESIGN §11). */
import { deadlineText } from '../format.js';
import { DEADLINE_LABELS } from '../labels.js';
import { UI } from '../words.js';
import { DeadlineBadge } from './components.js';
import { Table } from './table.js';

export function DeadlineTable(p: { deadlines: { kind: string; dueAt: string; level?: string }[]; now: Date; testid?: string }) {
  return (
    <Table
      compact
      testid={p.testid}
      rows={p.deadlines}
      empty={<p class="muted">{UI.cases.noDeadlines}</p>}
      columns={[
        { label: UI.cases.deadlines, head: true, cell: (d) => DEADLINE_LABELS[d.kind] ?? d.kind },
        { label: UI.cases.lastDay, class: 'nowrap', cell: (d) => deadlineText(d.dueAt, p.now).lastDay },
        { label: UI.cases.daysLeft, cell: (d) => <DeadlineBadge dueAt={d.dueAt} now={p.now} level={d.level} calendarMissing={'calendarMissing' in d} /> },
      ]}
    />
  );
}
