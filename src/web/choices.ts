/**
 * What the pages offer to choose from (issue 15 §4): stations and deputies in use. A retired one
 * (`active: false`) is offered for nothing new; where a record already names it, it is still
 * shown by name, marked 已停用. Deputies are told apart from a namesake by station, level and the
 * last four digits of their phone, in every list they are chosen from.
 */
import { valueLabel } from '../labels.js';
import { UI } from '../words.js';

export interface StationChoice {
  code: string;
  name: string;
  active?: boolean;
}

export interface DeputyChoice {
  id: string;
  name: string;
  level: string;
  stationCode: string;
  /** As the reader may see it: in full, or masked with the last four digits kept. */
  phone?: string | null;
  expertise?: string[];
  active?: boolean;
}

/** A name as a record shows it: `王丽（已停用）` when no longer in use. */
export const shownName = (x: { name: string; active?: boolean }): string => (x.active === false ? `${x.name}（${UI.admin.retired}）` : x.name);

/** The stations to choose from: those in use, and `keep` (already chosen on the record) marked when retired. */
export function stationOptions(stations: readonly StationChoice[], keep?: string | null): [string, string][] {
  return stations.filter((s) => s.active !== false || s.code === keep).map((s) => [s.code, shownName(s)]);
}

/** `…1234`: the phone's last four digits, which the masked form keeps too. */
function phoneTail(phone: string | null | undefined): string | null {
  const digits = (phone ?? '').replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : null;
}

/** What tells a deputy apart from a namesake: `呼兰区联络站 · 区（县）人大代表 · 尾号 1111`. */
export function deputyNote(d: DeputyChoice, stationName: (code: string) => string, opts: { expertise?: boolean } = {}): string {
  const tail = phoneTail(d.phone);
  return [
    stationName(d.stationCode),
    valueLabel('level', d.level),
    tail ? UI.common.phoneTail(tail) : null,
    opts.expertise && d.expertise?.length ? d.expertise.join('、') : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * The deputies to choose from, each with its note (checkboxes and radios show the note beside the
 * name): those in use, and those in `keep` (already on the record) marked when retired.
 */
export function deputyChoices(
  deputies: readonly DeputyChoice[],
  stations: readonly StationChoice[],
  opts: { keep?: readonly string[]; expertise?: boolean; plain?: boolean } = {},
): { id: string; name: string; note: string; active?: false }[] {
  const names = new Map(stations.map((s) => [s.code, shownName(s)]));
  const stationName = (code: string) => names.get(code) ?? code;
  return deputies
    .filter((d) => d.active !== false || opts.keep?.includes(d.id))
    .map((d) => ({
      id: d.id,
      // `plain`: the name alone, for a page that marks a retired one itself (a badge).
      name: opts.plain ? d.name : shownName(d),
      note: deputyNote(d, stationName, opts),
      ...(d.active === false ? { active: false as const } : {}),
    }));
}

/** The same as `<select>` options: `王丽（呼兰区联络站 · 区（县）人大代表 · 尾号 1111）`. */
export function deputyOptions(deputies: readonly DeputyChoice[], stations: readonly StationChoice[], keep?: string | null): [string, string][] {
  return deputyChoices(deputies, stations, { keep: keep ? [keep] : [] }).map((d) => [d.id, `${d.name}（${d.note}）`]);
}
