import { caseStore, supervisionStore, type EntityStore } from './stores.js';

/** Every machine's store, by the entity_type deadlines and the access log name it with. */
export const stores: Record<string, EntityStore> = {
  [caseStore.type]: caseStore,
  [supervisionStore.type]: supervisionStore,
};
