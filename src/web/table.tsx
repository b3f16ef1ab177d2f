/**
 * The one list table of the web: a header row from the columns, a row an item. Each cell carries
 * its column's heading (`data-label`), so that on a phone (app.css, ≤ 600 px) the rows become
 * cards: the heading is written before each value and nothing scrolls sideways.
 */
import type { Child } from 'hono/jsx';

export interface Column<T> {
  /** The heading; on a phone, the label before the value. Empty for a column of buttons. */
  label: string;
  cell: (row: T) => Child;
  /** The cell's class (`mono`, `num`, `small`, `nowrap`). */
  class?: string;
  /** The card's title on a phone (the case number, the name): shown first, larger, unlabelled. */
  head?: boolean;
}

export interface TableProps<T> {
  rows: T[];
  /** Columns; a `false` or `null` one is left out (a column only some users see). */
  columns: (Column<T> | false | null | undefined)[];
  testid?: string;
  /** `compact` for a small table beside the main one. */
  compact?: boolean;
  /** More classes on the table (a page's own styling). */
  class?: string;
  /** Shown instead of the table when there are no rows. */
  empty?: Child;
  /** Attributes of a row (`data-*` for tests and scripts, a class). */
  rowAttrs?: (row: T) => Record<string, string | undefined>;
  /** Without the header row (a short table that says what it is in its section's title). */
  noHead?: boolean;
}

export function Table<T>(p: TableProps<T>) {
  if (!p.rows.length && p.empty !== undefined) return <>{p.empty}</>;
  const columns = p.columns.filter((c): c is Column<T> => Boolean(c));
  return (
    <table class={`table cards${p.compact ? ' compact' : ''}${p.class ? ` ${p.class}` : ''}`} data-testid={p.testid}>
      {p.noHead ? null : (
        <thead>
          <tr>
            {columns.map((c) => (
              <th>{c.label}</th>
            ))}
          </tr>
        </thead>
      )}
      <tbody>
        {p.rows.map((row) => (
          <tr {...(p.rowAttrs?.(row) ?? {})}>
            {columns.map((c) => (
              <td class={[c.class, c.head ? 'card-title' : undefined].filter(Boolean).join(' ') || undefined} data-label={c.label || undefined}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
