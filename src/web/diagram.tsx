/**
 * A machine's state diagram drawn in HTML from its description (src/machines/diagram.ts, via
 * src/engine/machines.ts): the states grouped by phase with the current one highlighted, and the
 * transitions as a table. No Mermaid runtime, no CDN: the Mermaid text is offered as text, in
 * the developer view only.
 */
import type { MachineDescription } from '../machines/diagram.js';
import { ROLE_LABELS } from '../labels.js';
import { UI } from '../words.js';

/** The developer view of a page (`?view=developer`): the machine's own names beside the labels. */
export const developerView = (query: (k: string) => string | undefined) => query('view') === 'developer';

function rolesText(e: MachineDescription['events'][number]): string {
  return e.roles
    .map((r) => {
      if (r === 'deputy') return e.permission.deputy === 'self' ? UI.diagram.deputySelf : UI.diagram.deputyAssigned;
      if (r === 'station') return UI.diagram.ownStation;
      // Not "系统（期限）" inside brackets again: say what the system does.
      if (r === 'system') return UI.diagram.system;
      return ROLE_LABELS[r] ?? r;
    })
    .join('、');
}

/**
 * `developer`: the Mermaid source and the machine's own (English) state descriptions, with its
 * state paths and guard names, for whoever builds or audits the system (`?view=developer`); everyone
 * else reads only the Chinese labels and `describe`'s words.
 */
export function StateDiagram(p: {
  machine: MachineDescription;
  current: string;
  labelOf: (path: string) => string;
  describe?: (path: string) => string | undefined;
  developer?: boolean;
}) {
  const { machine, current } = p;
  const resting = machine.states.filter((s) => s.type !== 'compound' && !s.transient);
  const groups = machine.states.filter((s) => s.type === 'compound');
  // Phases in the order the machine declares them: a group's states on one line, and states
  // outside any group on one line while they follow each other (the supervision machine is one line).
  const phases: { key: string; label: string; states: typeof resting }[] = [];
  for (const s of resting) {
    const parent = groups.find((g) => s.path.startsWith(`${g.path}.`));
    const key = parent?.path ?? '';
    let phase = phases.at(-1);
    if (!phase || phase.key !== key) {
      phase = { key, label: parent ? parent.label : '', states: [] };
      phases.push(phase);
    }
    phase.states.push(s);
  }
  const rows = machine.events.flatMap((e) =>
    e.transitions
      .filter((t) => !machine.states.find((s) => s.path === t.from)?.transient)
      .map((t) => ({ e, t })),
  );
  const fromHere = rows.filter((r) => r.t.from === current);
  return (
    <div class="diagram-wrap" data-testid="diagram">
      <p class="hint">{UI.cases.diagramHint}</p>
      <ol class="diagram" aria-label={UI.cases.diagram}>
        {phases.map((phase) => (
          <li class={`phase${phase.states.some((s) => s.path === current) ? ' phase-current' : ''}`}>
            {phase.label ? <span class="phase-label">{phase.label}</span> : null}
            <ul>
              {phase.states.map((s) => (
                <li
                  class={`node${s.path === current ? ' current' : ''}${s.type === 'final' ? ' final' : ''}`}
                  aria-current={s.path === current ? 'step' : undefined}
                  data-state={s.path}
                  title={p.developer ? `${s.path}${s.description ? ` — ${s.description}` : ''}` : p.describe?.(s.path)}
                >
                  {p.labelOf(s.path)}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {fromHere.length ? (
        <div class="from-here">
          <strong>{UI.diagram.fromHere(p.labelOf(current))}</strong>
          <ul>
            {fromHere.map(({ e, t }) => (
              <li>
                {e.label}
                {t.stays ? UI.diagram.stays : ` → ${p.labelOf(t.to)}`}
                <small>（{rolesText(e)}）</small>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <details class="transitions">
        <summary>{UI.cases.transitions}</summary>
        <table class="table compact">
          <thead>
            <tr>
              <th>{UI.cases.from}</th>
              <th>{UI.cases.event}</th>
              <th>{UI.cases.to}</th>
              <th>{UI.cases.sentBy}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ e, t }) => (
              <tr class={t.from === current ? 'hl' : undefined}>
                <td>{p.labelOf(t.from)}</td>
                <td>{e.label}</td>
                <td>{t.stays ? UI.diagram.staysShort : p.labelOf(t.to)}</td>
                <td>{rolesText(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {p.developer ? (
        <details class="mermaid-src" data-testid="mermaid">
          <summary>{UI.cases.mermaid}</summary>
          <pre>{machine.mermaid}</pre>
        </details>
      ) : null}
    </div>
  );
}
