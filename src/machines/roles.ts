/** Who acts on jiefen (DESIGN.md §1). `system` is the deadline sweeper, never a person. */
export const ROLES = ['admin', 'court', 'station', 'deputy', 'committee'] as const;
export type UserRole = (typeof ROLES)[number];
export type Role = UserRole | 'system';

export interface Actor {
  id: string;
  role: Role;
  name: string;
  /** For `station` staff: the station they work at. */
  stationCode?: string | null;
  /** For a `deputy`: the deputy record they are. */
  deputyId?: string | null;
}

/**
 * Who may send an event. Object-level conditions are part of the rule, so `nextEvents` and the
 * engine read the same table:
 * - `deputy: 'assigned'`: a deputy currently assigned to the case;
 * - `deputy: 'self'`: that deputy, about themself (回避);
 * - `station: 'own'`: staff of the station that took the case.
 */
export interface Permission {
  court?: true;
  committee?: true;
  system?: true;
  deputy?: 'assigned' | 'self';
  station?: 'own';
}

/** The facts about an entity that object-level rules read. */
export interface AccessFacts {
  stationCode?: string | null;
  deputyIds?: readonly string[];
}

export function permits(
  rule: Permission,
  actor: Actor,
  facts: AccessFacts,
  event?: { deputyId?: unknown },
): boolean {
  switch (actor.role) {
    case 'court':
      return rule.court === true;
    case 'committee':
      return rule.committee === true;
    case 'system':
      return rule.system === true;
    case 'station':
      return rule.station === 'own' && !!actor.stationCode && facts.stationCode === actor.stationCode;
    case 'deputy': {
      if (!rule.deputy || !actor.deputyId || !facts.deputyIds?.includes(actor.deputyId)) return false;
      // Before the payload is known (nextEvents), 'self' means "about myself".
      return rule.deputy === 'assigned' || event?.deputyId === undefined || event.deputyId === actor.deputyId;
    }
    default:
      return false;
  }
}
