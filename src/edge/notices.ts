/** A notice as people and API clients read it (DESIGN.md §12): its words made from its kind. */
import type { NoticeRow } from '../engine/notify/inbox.js';
import { noticeText } from '../words.js';

/** `{id, at, kind, title, body, entity, readAt}` */
export function presentNotice(n: NoticeRow) {
  const { title, body } = noticeText(n.kind, n.entity.number, n.params);
  return { id: n.id, at: n.at, kind: n.kind, title, body, entity: n.entity, readAt: n.readAt };
}
