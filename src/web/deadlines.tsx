/** A case's or a supervision item's running deadlines: what, the last day, the days left (DESIGN §11). */
import { deadlineText } from '../format.js';
import { DEADLINE_LABELS } from '../labels.js';
import { UI } from '../words.js';
import { CalendarGap, DeadlineBadge } from './components.js';
import { Table } from './table.js';

/** `calendarGaps`: whether the reader is told of a deadline counted without the year's holidays (`seesCalendarGaps`). */
export function DeadlineTable(p: { deadlines: { kind: string; dueAt: string; level?: string; calendarMissing?: unknown }[]; now: Date; testid?: string; calendarGaps?: boolean }) {
  return (
    <Table
      compact
      testid={p.testid}
      rows={p.deadlines}
      empty={<p class="muted">{UI.cases.noDeadlines}</p>}
      columns={[
        { label: UI.cases.deadlines, head: true, cell: (d) => DEADLINE_LABELS[d.kind] ?? d.kind },
        { label: UI.cases.lastDay, class: 'nowrap', cell: (d) => deadlineText(d.dueAt, p.now).lastDay },
        { label: UI.cases.daysLeft, cell: (d) => (
            <>
              <DeadlineBadge dueAt={d.dueAt} now={p.now} level={d.level} />
              <CalendarGap show={p.calendarGaps && Boolean(d.calendarMissing)} />
            </>
          ),
        },
      ]}
    />
  );
}
