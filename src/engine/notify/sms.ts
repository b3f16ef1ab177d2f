/**
 * SMS to parties who consented (DESIGN.md §12). A message carries the case number and the action,
 * nothing else: never an ID number, a name, or the other party's data. The phone is read from
 * `parties` when the message is sent and is stored nowhere else.
 */

/** The templates, as the gateway receives them: `{placeholder}`s filled from `params`. */
export const SMS_TEMPLATES = {
  session_scheduled: '【解纷】您的案件{caseNumber}已安排调解，时间：{time}。请按时参加。',
  case_closed: '【解纷】您的案件{caseNumber}已办结。',
  instalment_due: '【解纷】您的案件{caseNumber}调解协议约定的履行款将于{dueDate}到期，请按时履行。',
} as const;
export type SmsTemplate = keyof typeof SMS_TEMPLATES;

/** The template an event of a case sends to its consenting parties, if any (SQL `case` in the fan-out mirrors it). */
export function smsTemplateOf(eventType: string, toState: string): SmsTemplate | undefined {
  if (eventType === 'SCHEDULE_SESSION') return 'session_scheduled';
  if (toState === 'closed') return 'case_closed';
  return undefined;
}

/** `2026-12-05 09:30`, Beijing time. */
export function shanghaiMinute(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** The gateway's body: `{to, template, params}`. */
export function smsBody(to: string, template: SmsTemplate, caseNumber: string, payload: Record<string, unknown>) {
  const params: Record<string, string> = { caseNumber };
  if (template === 'session_scheduled' && typeof payload.at === 'string') params.time = shanghaiMinute(payload.at);
  if (template === 'instalment_due' && typeof payload.dueDate === 'string') params.dueDate = payload.dueDate;
  return { to, template: SMS_TEMPLATES[template], params };
}
