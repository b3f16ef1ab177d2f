/** Every word a person reads, in Simplified Chinese, in one place. */

export const STATE_LABELS: Record<string, string> = {
  'intake.screening': '登记待审查',
  'mediation.assigning': '待指派调解',
  'mediation.active': '调解中',
  'mediation.paused': '调解中止（鉴定等）',
  'agreement.performing': '协议履行中',
  'agreement.confirming': '司法确认中',
  'agreement.defaulted': '未按期履行',
  'enforcement.active': '执行中',
  'enforcement.suspended': '执行中止',
  closed: '已结案',
  // supervision items
  open: '已立项',
  awaitingReport: '待报告',
  reviewing: '审议中',
  rectifying: '整改中',
};

export const EVENT_LABELS: Record<string, string> = {
  CREATE: '登记',
  ACCEPT: '受理',
  RETURN: '退回',
  ASSIGN: '指派调解员和代表',
  RECUSE: '代表回避',
  SCHEDULE_SESSION: '安排调解',
  RECORD_SESSION: '记录调解',
  PAUSE: '中止调解',
  RESUME: '恢复',
  EXTEND: '延长调解期限',
  REACH_AGREEMENT: '达成调解协议',
  FAIL: '调解不成',
  WITHDRAW: '撤回',
  MEDIATION_EXPIRED: '调解期限届满',
  APPLY_CONFIRMATION: '申请司法确认',
  CONFIRM: '裁定确认有效',
  DENY_CONFIRMATION: '裁定驳回确认申请',
  RECORD_PERFORMANCE: '记录履行',
  PERFORMANCE_OVERDUE: '履行期限届满未履行',
  REPORT_DEFAULT: '报告未履行',
  APPLY_ENFORCEMENT: '申请强制执行',
  FILE_LAWSUIT: '另行起诉',
  RECORD_MEASURE: '记录执行措施',
  RECORD_RECOVERY: '记录执行到位款',
  SUSPEND: '中止执行',
  CONCLUDE: '执行结案',
  ENFORCEMENT_OVERDUE: '执行超期',
  // supervision items
  REQUEST_REPORT: '要求报告',
  SUBMIT_REPORT: '提交报告',
  REPORT_OVERDUE: '报告逾期',
  EVALUATE: '满意度测评',
  SUBMIT_RECTIFICATION: '提交整改报告',
  CLOSE: '办结',
};

export const OUTCOME_LABELS: Record<string, string> = {
  returned: '退回',
  withdrawn: '撤回',
  litigation: '转诉讼',
  trial_resumed: '恢复审理',
  performed: '履行完毕',
  fulfilled: '执行完毕',
  settled: '执行和解',
  terminated_this_round: '终结本次执行',
  terminated: '终结执行',
};

export const ROLE_LABELS: Record<string, string> = {
  admin: '系统管理员',
  court: '法院工作人员',
  station: '联络站工作人员',
  deputy: '人大代表',
  committee: '人大常委会工作人员',
  system: '系统（期限）',
};

export const DEADLINE_LABELS: Record<string, string> = {
  mediation_expiry: '调解期限',
  performance: '履行期限',
  confirmation_window: '司法确认申请期限',
  enforcement_bar: '申请执行期限',
  enforcement_limit: '执行期限',
  report_due: '报告期限',
  rectification_due: '整改期限',
};

export const stateLabel = (s: string) => STATE_LABELS[s] ?? s;
export const eventLabel = (e: string) => EVENT_LABELS[e] ?? e;
export const outcomeLabel = (o: string) => OUTCOME_LABELS[o] ?? o;
