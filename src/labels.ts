/** The domain in words, in Simplified Chinese: states, events, outcomes, roles, enumerations, fields. */
import type { Labels, MachineName } from './machines/diagram.js';
import type { DeadlineTone } from './format.js';

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
  // the case machine's groups and its transient first state (shown in /api/machines/case)
  opening: '登记分流',
  intake: '登记审查',
  mediation: '调解',
  agreement: '调解协议',
  enforcement: '执行',
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
  // not an event: the admin replaced a year of the statutory calendar and a deadline moved (DESIGN §11)
  CALENDAR_CHANGED: '法定节假日调整，期限变更',
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

// Values of enumerations, field names, states in words.

export const TRACK_LABELS: Record<string, string> = { pre_filing: '诉前委派调解', post_filing: '诉中委托调解' };
export const PROCEDURE_LABELS: Record<string, string> = { ordinary: '普通程序', simple: '简易程序' };
export const SOURCE_LABELS: Record<string, string> = {
  walk_in: '入站',
  qr_code: '扫码联',
  hotline: '热线联',
  home_visit: '入户联',
  court_referral: '法院委派/委托',
  enforcement_referral: '执行转入',
};
export const PARTY_ROLE_LABELS: Record<string, string> = { applicant: '申请人', respondent: '被申请人' };
export const RETURN_REASON_LABELS: Record<string, string> = {
  out_of_scope: '不属于调解受理范围',
  no_jurisdiction: '无管辖权',
  unsuitable: '不适宜调解',
};
export const FAIL_REASON_LABELS: Record<string, string> = {
  no_contact: '无法联系当事人',
  refused: '当事人拒绝调解',
  gap_too_wide: '双方分歧过大',
  refused_to_sign: '拒绝签署协议',
  other: '其他原因',
  deadline_expired: '调解期限届满',
};
export const MEASURE_LABELS: Record<string, string> = {
  asset_inquiry: '网络查控财产',
  freeze: '冻结',
  seize: '查封、扣押',
  auction: '拍卖、变卖',
  credit_blacklist: '纳入失信被执行人名单',
  consumption_restriction: '限制高消费',
  travel_ban: '限制出境',
};
export const RATING_LABELS: Record<string, string> = { satisfied: '满意', basically_satisfied: '基本满意', unsatisfied: '不满意' };
export const SUPERVISION_KIND_LABELS: Record<string, string> = {
  enforcement_inspection: '执法检查',
  enforcement_review: '申请执行监督',
  case_inquiry: '专题问案',
  deputy_suggestion: '代表建议',
};
export const STATION_KIND_LABELS: Record<string, string> = {
  court: '驻法院代表联络站',
  street: '街道代表联络站',
  town: '乡镇代表联络站',
  village: '村（社区）代表之家',
};
export const DEPUTY_LEVEL_LABELS: Record<string, string> = {
  national: '全国人大代表',
  provincial: '省人大代表',
  municipal: '市人大代表',
  county: '区（县）人大代表',
  township: '乡镇人大代表',
};

/** Suggestions for the dispute type (a free text field): the kinds a studio sees most. */
export const DISPUTE_TYPE_SUGGESTIONS = [
  '民间借贷',
  '婚姻家庭',
  '继承纠纷',
  '邻里纠纷',
  '相邻关系',
  '物业服务合同',
  '房屋租赁合同',
  '买卖合同',
  '劳务合同',
  '劳动争议',
  '机动车交通事故责任',
  '人身损害赔偿',
  '土地承包经营',
  '追索劳动报酬',
];

/** Which value labels a field takes; `EVENT.field` first, then the bare field name. */
const VALUE_LABELS: Record<string, Record<string, string>> = {
  track: TRACK_LABELS,
  procedure: PROCEDURE_LABELS,
  source: SOURCE_LABELS,
  'RETURN.reason': RETURN_REASON_LABELS,
  'FAIL.reason': FAIL_REASON_LABELS,
  outcomeReason: { ...RETURN_REASON_LABELS, ...FAIL_REASON_LABELS },
  'RECORD_MEASURE.kind': MEASURE_LABELS,
  measures: MEASURE_LABELS,
  'CONCLUDE.result': OUTCOME_LABELS,
  outcome: OUTCOME_LABELS,
  rating: RATING_LABELS,
  'supervision.kind': SUPERVISION_KIND_LABELS,
  'station.kind': STATION_KIND_LABELS,
  'party.role': PARTY_ROLE_LABELS,
  'user.role': ROLE_LABELS,
  level: DEPUTY_LEVEL_LABELS,
};

/** The words for an enumeration's value. @example valueLabel('reason', 'refused', 'FAIL') // '当事人拒绝调解' */
export function valueLabel(field: string, value: string, scope?: string): string {
  const table = (scope && VALUE_LABELS[`${scope}.${field}`]) || VALUE_LABELS[field];
  return table?.[value] ?? value;
}

export const FIELD_LABELS: Record<string, string> = {
  hotline: '热线电话',
  address: '地址',
  deputiesOnDuty: '值班代表',
  // a station or deputy in use or retired (issue 15 §4)
  active: '状态',
  submissionId: '来自扫码提交',
  // case creation
  track: '案件类型',
  procedure: '审理程序',
  source: '来源渠道',
  stationCode: '联络站',
  disputeType: '纠纷类型',
  summary: '纠纷概要',
  claimAmount: '标的金额（元）',
  enforceableDocument: '执行依据文书',
  owedAmount: '应执行金额（元）',
  parties: '当事人',
  role: '身份',
  name: '姓名',
  idNumber: '证件号码',
  phone: '联系电话',
  occurredAt: '实际发生时间',
  periodEnds: '法定期间届满日（按法定节假日计算）',
  previous: '调整前',
  // case events
  reason: '原因',
  note: '备注',
  mediatorName: '调解员',
  deputyIds: '参与调解的人大代表',
  deputyId: '回避代表',
  at: '调解时间',
  location: '调解地点',
  heldAt: '调解时间',
  attendeeDeputyIds: '出席代表',
  minutes: '调解笔录',
  days: '延长天数',
  partiesConsent: '双方当事人同意延长',
  terms: '协议内容',
  amount: '金额（元）',
  dueDate: '履行期限',
  installments: '分期履行安排',
  confirmOverpayment: '确认超额',
  rulingNumber: '裁定书案号',
  enforcementCaseNumber: '执行案号',
  kind: '措施',
  result: '结案方式',
  // supervision items
  subject: '监督事项',
  respondent: '报告机关',
  caseIds: '关联案件',
  rating: '评议结果',
  opinion: '评议意见',
  content: '报告内容',
  conclusion: '办结意见',
  // station activities
  date: '活动日期',
  theme: '活动主题',
  votersReceived: '接待选民人次',
  // directory
  code: '站点代码',
  district: '所在区县',
  level: '代表层级',
  expertise: '专业领域',
  login: '登录名',
  password: '密码',
  currentPassword: '当前密码',
  newPassword: '新密码',
  '(body)': '请求内容',
};

/** Field names that mean something else on one event or form. */
const SCOPED_FIELD_LABELS: Record<string, string> = {
  'RETURN.reason': '退回原因',
  'FAIL.reason': '调解不成原因',
  'PAUSE.reason': '中止原因',
  'RECUSE.reason': '回避理由',
  'SUSPEND.reason': '中止执行原因',
  'DENY_CONFIRMATION.reason': '驳回理由',
  'RECORD_PERFORMANCE.amount': '本次履行金额（元）',
  'RECORD_RECOVERY.amount': '本次执行到位金额（元）',
  'REACH_AGREEMENT.amount': '协议金额（元）',
  'REQUEST_REPORT.dueDate': '报告期限',
  'EVALUATE.dueDate': '整改期限（不满意时必填）',
  'SUBMIT_RECTIFICATION.content': '整改报告内容',
  'supervision.kind': '监督类型',
  'station.kind': '站点类型',
  'station.name': '站点名称',
  'deputy.stationCode': '所在联络站',
  'deputy.phone': '联系电话',
  'user.name': '姓名',
  'user.role': '角色',
  'user.stationCode': '所属联络站',
  'user.deputyId': '对应代表',
  'user.link': '所属联络站或对应代表',
  'activity.deputyIds': '进站代表',
  'activity.content': '活动内容',
};

/** @example fieldLabel('reason', 'RECUSE') // '回避理由'; fieldLabel('parties.0.name') // '当事人 1 · 姓名' */
export function fieldLabel(field: string, scope?: string): string {
  const parts = field.split('.');
  if (parts.length === 3 && parts[0] === 'parties' && /^\d+$/.test(parts[1])) {
    return `${FIELD_LABELS.parties} ${Number(parts[1]) + 1} · ${FIELD_LABELS[parts[2]] ?? parts[2]}`;
  }
  if (parts.length >= 2 && /^\d+$/.test(parts[1])) return `${fieldLabel(parts[0], scope)} 第 ${Number(parts[1]) + 1} 项`;
  return (scope && SCOPED_FIELD_LABELS[`${scope}.${field}`]) || FIELD_LABELS[field] || field;
}

/** Where a case or an item stands, in a sentence. */
export const STATE_DESCRIPTIONS: Record<string, string> = {
  'intake.screening': '已登记，等待法院审查是否受理。',
  'mediation.assigning': '已受理，等待指派调解员和人大代表。',
  'mediation.active': '调解正在进行，调解期限计算中。',
  'mediation.paused': '调解中止（如鉴定），调解期限暂停计算。',
  'agreement.performing': '已达成调解协议，等待当事人履行。',
  'agreement.confirming': '已申请司法确认，等待法院裁定。',
  'agreement.defaulted': '履行期限届满未履行，或已报告未履行。',
  'enforcement.active': '已进入强制执行，六个月执行期限计算中。',
  'enforcement.suspended': '执行中止，执行期限暂停计算。',
  closed: '案件已结案。',
};
export const SUPERVISION_STATE_DESCRIPTIONS: Record<string, string> = {
  open: '已列入监督清单，尚未要求报告。',
  awaitingReport: '已要求报告机关报告，等待提交。',
  reviewing: '报告已提交，等待评议。',
  rectifying: '评议不满意，报告机关整改中。',
  closed: '监督事项已办结，不再接受办理。',
};
/** A supervision item is 办结, not 结案. */
export const supervisionStateLabel = (s: string) => (s === 'closed' ? '已办结' : stateLabel(s));

/** Each machine's states and events by their labels, for its description and diagram. */
export const MACHINE_LABELS: Record<MachineName, Labels> = {
  case: { state: stateLabel, event: eventLabel },
  supervision: { state: supervisionStateLabel, event: eventLabel },
};

// ---------------------------------------------------------------------------------------------
// Deadlines, to-dos and the audit log, in words

/** DESIGN §11 deadline levels, in words (shown with their colour). */
export const LEVEL_LABELS: Record<string, string> = { normal: '正常', warning: '临近届满', overdue: '已逾期' };
export const LEVEL_TONES: Record<string, DeadlineTone> = { normal: 'ok', warning: 'soon', overdue: 'over' };

export const TODO_KIND_LABELS: Record<string, string> = {
  screening: '待审查',
  assignment: '待指派',
  confirmation: '待司法确认决定',
  deadline: '期限提醒',
  session: '调解会议',
  evaluation: '待测评',
  report_overdue: '报告逾期',
  report_due: '待报告',
  rectification_due: '待整改',
  calendar_missing: '待录入',
};

/** The audit log's actions (DESIGN.md §10), for people. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'user.create': '新增用户',
  'user.update': '修改用户',
  'user.deactivate': '停用用户',
  'user.activate': '启用用户',
  'user.token': '更换访问令牌',
  'user.password': '设置密码',
  'station.create': '新增联络站',
  'station.update': '修改联络站',
  'deputy.create': '新增人大代表',
  'deputy.update': '修改人大代表',
  'activity.update': '修改履职记录',
  'calendar.update': '修改法定节假日',
  'webhook.create': '新增 Webhook',
  'webhook.delete': '删除 Webhook',
  'party.consent': '更改当事人短信同意',
  'auth.sign_in': '登录',
  'auth.sign_in_failed': '登录失败',
  'auth.locked': '登录被锁定',
  'auth.sign_out': '退出登录',
  'access.denied': '越权访问被拒绝',
  'personal_data.erase': '删除个人信息',
};

/** What an audit row is about (its `target.type`), before its name. */
export const AUDIT_TARGET_LABELS: Record<string, string> = {
  user: '用户',
  deputy: '人大代表',
  station: '联络站',
  case: '案件',
  cases: '案件',
  activity: '履职记录',
  calendar: '法定节假日',
  webhook: 'Webhook',
  login: '登录名',
  address: '来源地址',
  path: '访问路径',
};

/** The audit rows' detail fields that are no form's field, or mean something else there (fieldLabel otherwise). */
export const AUDIT_DETAIL_LABELS: Record<string, string> = {
  bootstrap: '首个管理员',
  by: '操作方',
  rehashed: '密码散列已更新',
  until: '锁定至',
  attempts: '尝试次数',
  url: '地址',
  events: '推送事件',
  days: '日期条数',
  moved: '顺延期限的案件',
  closedBefore: '结案早于',
  cases: '案件数',
  party: '当事人序号',
  smsConsent: '同意接收短信',
  password: '初始密码',
};

/** The words for a few audit detail values (`field.value`); other values are shown as they are. */
export const AUDIT_VALUE_LABELS: Record<string, string> = {
  'by.self': '本人',
  'by.admin': '管理员',
  'by.ADMIN_TOKEN': '启动配置 ADMIN_TOKEN',
  'reason.inactive': '账号已停用',
  'password.true': '已设置',
  'password.false': '未设置',
};

// ---------------------------------------------------------------------------------------------
// The committee's enforcement report (src/engine/reports.ts): sections and figures, by key.

export const REPORT_SECTION_LABELS: Record<string, string> = {
  filters: '查询条件',
  cases: '案件受理',
  mediation: '调解',
  deputies: '代表参与',
  performance: '协议履行',
  enforcement: '执行',
  supervision: '监督事项',
  stations: '联络站履职',
};

export const REPORT_FIGURE_LABELS: Record<string, string> = {
  'filters.from': '开始日期',
  'filters.to': '结束日期',
  'filters.district': '区县',
  'filters.stationCode': '联络站',
  'filters.generatedAt': '生成时间',
  // Every case registered in the period, accepted or not yet (a cohort by opened_at): 登记, not 受理.
  'cases.opened': '登记案件数',
  'cases.bySource': '按来源渠道',
  'cases.byDisputeType': '按纠纷类型',
  'mediation.agreements': '调解成功（达成协议）件数',
  'mediation.failed': '调解不成（含期限届满）件数',
  'mediation.ended': '调解结束件数',
  'mediation.successRate': '调解成功率（比率）',
  'deputies.casesWithDeputies': '代表参与调解案件数',
  'deputies.sessionsHeld': '调解场次',
  'deputies.deputyAttendances': '代表参与调解人次',
  'performance.performedVoluntarily': '自动履行完毕件数',
  'performance.settled': '履行情况已确定的协议件数',
  'performance.voluntaryRate': '自动履行率（比率）',
  'enforcement.sent': '移送执行件数',
  'enforcement.fromAgreements': '其中：调解协议申请执行',
  'enforcement.referrals': '其中：执行转入',
  'enforcement.inProgress': '执行中件数',
  'enforcement.outcomes': '执行结案',
  'enforcement.owedAmount': '应执行金额（元）',
  'enforcement.recoveredAmount': '执行到位金额（元）',
  'enforcement.recoveryRate': '执行到位率（比率）',
  'enforcement.overLimit': '执行超期件数',
  'enforcement.overLimitOpen': '其中：超期未结',
  'supervision.items': '监督事项数',
  'supervision.byState': '按办理状态',
  'supervision.byRating': '按评议结果',
  'supervision.unrated': '尚未评议',
  'supervision.overdueNow': '当前报告逾期事项数',
  'supervision.overdueReports': '报告逾期次数',
  'stations.casesOpened': '登记案件数',
  'stations.activities': '履职活动次数',
  'stations.deputyVisits': '代表进站人次',
  'stations.votersReceived': '接待选民人次',
  stationTotals: '合计',
};

/** The words a citizen reads for a case's state (the status look-up): the state, and how it ended. */
export function citizenStateLabel(state: string, outcome: string | null): string {
  if (state === 'closed') return outcome ? `已结案（${outcomeLabel(outcome)}）` : '已结案';
  return stateLabel(state);
}

/** A webhook delivery's status, for the admin's pages. */
export const DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: '待投递',
  delivered: '已送达',
  dead: '已失效',
  cancelled: '已取消',
  skipped: '未发送',
};
