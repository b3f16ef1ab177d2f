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

// The rules of who may do what live in ./policy.ts; these are re-exported for the machines' tables.
export { permits, type AccessFacts, type Permission } from './policy.js';
