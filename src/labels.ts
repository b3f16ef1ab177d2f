/** Every word a person reads, in Simplified Chinese, in one place. */
import type { Labels, MachineName } from './machines/diagram.js';

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

// ---------------------------------------------------------------------------------------------
// The web interface: values of enumerations, field names, states in words, formats, errors.

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
// Formats: Asia/Shanghai (UTC+8 all year), yuan as ¥12,000.50

const SHANGHAI_MS = 8 * 3_600_000;
const DAY = 86_400_000;

function shanghaiParts(iso: string): string {
  return new Date(Date.parse(iso) + SHANGHAI_MS).toISOString();
}

/** @example formatDateTime('2026-11-24T01:30:00Z') // '2026-11-24 09:30' */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '—';
  const s = shanghaiParts(iso);
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

/** A calendar date as is; an instant as its Shanghai date. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return Number.isNaN(Date.parse(value)) ? value : shanghaiParts(value).slice(0, 10);
}

/** @example formatYuan('12000.5') // '¥12,000.50' */
export function formatYuan(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value).trim());
  if (!m) return String(value);
  const int = m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${m[1]}¥${int}.${(m[3] ?? '').padEnd(2, '0')}`;
}

export type DeadlineTone = 'ok' | 'soon' | 'today' | 'over';

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
  calendar_missing: '节假日未录入',
};

export const CALENDAR_UI = {
  title: '法定节假日',
  intro: '期限按《民事诉讼法》第八十五条计算：期间最后一日是法定休假日的，以休假日后的第一日为期间届满日。休假日指国务院公布的法定节假日，以及未调休上班的周六、周日。',
  missing: (years: string) => `以下年份尚未录入国务院节假日安排：${years}。落在这些年份的期限只按周末顺延，并标注“节假日未录入”。`,
  none: '当年和下一年的节假日安排均已录入。',
  years: '已录入的年份',
  year: '年份',
  source: '来源',
  sourceAdmin: '管理员录入',
  updatedAt: '更新时间',
  edit: '录入或修改某年的安排',
  editHint: '每行一天：日期 类型 名称。类型为“休”（法定节假日）或“班”（调休上班的周六、周日）。例如：2027-01-01 休 元旦',
  days: '安排',
  save: '保存该年安排',
  saved: (n: number) => `已保存。${n ? `${n} 个案件的期限已随之调整，并记入案件记录。` : '没有案件的期限因此变化。'}`,
  holiday: '休',
  workday: '班',
  lineError: (line: number, text: string) => `第 ${line} 行“${text}”格式不对：应为“日期 休/班 名称”`,
  calendarMissing: '节假日未录入',
};

export const TODO_UI = {
  title: '待办事项',
  none: '目前没有待办事项。',
  open: '去办理',
  ranOut: (what: string, days: number) => `${what}已届满 ${days} 天`,
};

/**
 * A deadline for people: its last day and the days left, counted in Shanghai calendar days.
 * `dueAt` is the instant the period has run out (the start of the day after its last day).
 */
export function deadlineText(dueAt: string, now: Date): { lastDay: string; daysLeft: number; text: string; tone: DeadlineTone } {
  const lastDay = shanghaiParts(new Date(Date.parse(dueAt) - 1).toISOString()).slice(0, 10);
  const today = shanghaiParts(now.toISOString()).slice(0, 10);
  const daysLeft = Math.round((Date.parse(`${lastDay}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY);
  if (Date.parse(dueAt) <= now.getTime()) return { lastDay, daysLeft, text: `已届满 ${Math.max(1, -daysLeft)} 天`, tone: 'over' };
  if (daysLeft === 0) return { lastDay, daysLeft, text: '今日届满', tone: 'today' };
  return { lastDay, daysLeft, text: `剩余 ${daysLeft} 天`, tone: daysLeft <= 3 ? 'soon' : 'ok' };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Headings for the engine's refusals, by DomainError code. */
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
  'calendar.update': '修改法定节假日',
  'webhook.create': '新增 Webhook',
  'webhook.delete': '删除 Webhook',
  'auth.sign_in': '登录',
  'auth.sign_in_failed': '登录失败',
  'auth.locked': '登录被锁定',
  'auth.sign_out': '退出登录',
  'access.denied': '越权访问被拒绝',
  'personal_data.erase': '删除个人信息',
};

export const ERROR_TITLES: Record<string, string> = {
  validation: '请检查填写的内容',
  unauthenticated: '请先登录',
  forbidden: '无权进行此操作',
  not_found: '未找到',
  invalid_transition: '当前状态不允许此操作',
  conflict: '与现有数据冲突',
  machine_version: '记录版本不兼容',
  version_conflict: '记录已被他人更新',
  idempotency_mismatch: '重复提交的内容不一致',
  too_many_requests: '提交过于频繁',
  payload_too_large: '提交的内容过长',
  rate_limited: '尝试次数过多',
  unavailable: '服务暂不可用',
  csrf: '表单已过期',
  too_large: '提交的内容过大',
  internal: '服务器内部错误',
};

/** The web interface's own words: navigation, headings, buttons, messages. */
export const UI = {
  appName: '解纷',
  appTitle: '多元解纷工作室',
  appSubtitle: '人大代表联络站 + 法院 一站式多元解纷',
  nav: {
    label: '主导航',
    cases: '案件',
    myCases: '我的案件',
    stationCases: '本站案件',
    newCase: '登记案件',
    overdue: '超期案件',
    supervisions: '监督事项',
    dashboard: '统计看板',
    activities: '履职记录本',
    stations: '联络站',
    deputies: '人大代表',
    users: '用户',
    imports: '导入登记簿',
    audit: '审计日志',
    accessLog: '个人信息查看记录',
    todo: '待办',
    calendar: '法定节假日',
    webhooks: '消息推送',
    password: '修改密码',
    signOut: '退出',
  },
  inbox: {
    nav: '消息',
    linkLabel: (n: number) => (n > 0 ? `消息，${n} 条未读` : '消息'),
    title: '站内消息',
    empty: '暂无消息。',
    unreadOnly: '只看未读',
    all: '全部消息',
    markAll: '全部标为已读',
    markOne: '标为已读',
    open: '查看',
    read: '已读',
    unread: '未读',
    more: '更早的消息',
    marked: '已标为已读。',
  },
  webhooks: {
    title: '消息推送（Webhook）',
    intro: '把案件和监督事项的每一次办理记录推送给其他系统（如法院办案系统、12345 热线平台）。推送内容只含编号、事件和状态，不含个人信息；每次推送都按 Standard Webhooks 规范签名。',
    url: '接收地址',
    urlHint: '以 http:// 或 https:// 开头',
    events: '推送的事件',
    eventsHint: '不选则推送全部事件',
    all: '全部事件',
    add: '添加推送地址',
    created: '已添加推送地址。请立即复制下面的签名密钥，它只显示这一次：',
    secret: '签名密钥',
    deleted: '已删除推送地址。',
    delete: '删除',
    none: '尚未添加推送地址。',
    deliveries: '推送记录',
    counts: '推送情况',
    status: '状态',
    event: '事件',
    attempts: '尝试次数',
    lastResult: '最近结果',
    nextAttempt: '下次重试',
    retry: '重新推送',
    retried: '已安排重新推送。',
    noDeliveries: '尚无推送记录。',
    back: '返回推送地址列表',
    noAnswer: '无应答',
  },
  signIn: {
    title: '登录',
    login: '登录名',
    password: '密码',
    submit: '登录',
    failed: '登录名或密码错误',
    throttled: '尝试次数过多，请 15 分钟后再试',
    signedOut: '您已安全退出。',
    hint: '初次使用：系统管理员的登录名和初始密码在首次启动服务时打印在控制台。',
  },
  password: {
    title: '修改密码',
    mustChange: '这是管理员为您设置的初始密码：请先设置您自己的密码再继续。',
    current: '当前密码',
    next: '新密码（至少 12 个字符）',
    confirm: '再次输入新密码',
    mismatch: '两次输入的新密码不一致',
    submit: '保存新密码',
    changed: '密码已修改。',
  },
  common: {
    save: '保存',
    submit: '提交',
    cancel: '返回',
    search: '查询',
    reset: '清除条件',
    all: '全部',
    yes: '是',
    no: '否',
    none: '无',
    nextPage: '下一页',
    firstPage: '回到第一页',
    optional: '选填',
    required: '必填',
    masked: '已脱敏',
    empty: '暂无记录',
    details: '详情',
    add: '添加',
    download: '下载',
    chooseOne: '请选择',
    chooseFromList: '请从列表中选择',
    errorsAbove: '请修改下列标出的内容后重新提交：',
    nothingChanged: '未作任何更改。',
    backTo: '返回',
  },
  cases: {
    listTitle: '案件',
    myTitle: '我的案件',
    stationTitle: '本站案件',
    overdueTitle: '超期案件',
    number: '案号',
    state: '状态',
    station: '联络站',
    disputeType: '纠纷类型',
    parties: '当事人',
    openedAt: '登记时间',
    deadline: '最近期限',
    outcome: '结案方式',
    overdue: '超期',
    overdueFilter: '是否超期',
    overdueOnly: '仅超期',
    notOverdue: '未超期',
    q: '关键词',
    qHint: '案号、当事人姓名、纠纷类型或概要',
    none: '没有符合条件的案件。',
    newTitle: '登记案件',
    stationNewTitle: '登记本站收到的纠纷',
    newIntro: '带 * 的为必填项。当事人的证件号码和电话仅法院和登记联络站可见全文。',
    partiesLegend: '当事人',
    addParty: '添加当事人',
    partyHint: '整行留空的当事人不登记。',
    enforcementLegend: '执行转入案件（来源为“执行转入”时填写）',
    backfillLegend: '补录（线下已办理的，填写实际受理时间）',
    created: '案件已登记。',
    currentState: '当前状态',
    actions: '可办理的操作',
    noActions: '您当前没有可办理的操作。',
    basics: '案件信息',
    deadlines: '期限',
    noDeadlines: '当前没有计算中的期限。',
    lastDay: '届满日',
    daysLeft: '剩余',
    timeline: '流转记录',
    seq: '序号',
    event: '事项',
    fromTo: '状态变化',
    actor: '办理人',
    occurredAt: '发生时间',
    recordedAt: '录入时间',
    backfilled: '补录',
    payload: '内容',
    diagram: '状态图',
    diagramHint: '高亮的是当前所处的状态；展开“流转规则”可查看每个状态可办理的事项。',
    transitions: '流转规则',
    from: '从',
    to: '到',
    sentBy: '办理人',
    mermaid: 'Mermaid 源文本',
    mediator: '调解员',
    deputies: '参与调解的人大代表',
    recused: '已回避的代表',
    sessions: '已调解次数',
    nextSession: '下次调解',
    agreement: '调解协议',
    agreedAmount: '协议金额',
    paid: '已履行',
    dueDate: '履行期限',
    installments: '分期安排',
    ruling: '司法确认裁定',
    enforcementCase: '执行案号',
    owed: '应执行金额',
    recovered: '执行到位金额',
    measures: '已采取的执行措施',
    enforceable: '具有强制执行力',
    claim: '标的金额',
    summary: '纠纷概要',
    track: '案件类型',
    procedure: '审理程序',
    source: '来源渠道',
    enforceableDocument: '执行依据文书',
    outcomeReason: '原因',
    closedAt: '结案时间',
    piiNote: '当事人的证件号码和电话已按您的角色脱敏显示。',
  },
  event: {
    formTitle: (event: string, number: string) => `${event} · ${number}`,
    submit: (event: string) => `确认${event}`,
    done: (event: string) => `已办理「${event}」。`,
    unavailable: '此操作当前不可办理：案件状态已变化，或您的角色不能办理此事项。',
    backdatedOnly: '按今天的日期已不能办理此事项，但按案件记录，此前的某个时间仍可办理（例如在申请期限内）。请在下方“补录”中填写实际发生时间。',
    backdatedMark: '（补录）',
    occurredAtHint: '线下已办理的，填写实际发生时间；留空即为现在。',
    installmentsHint: '每行一期：日期 金额，例如 2026-12-31 5000',
    deputiesHint: '可多选',
    noDeputies: '没有可选的人大代表',
    consent: '双方当事人已同意延长调解期限',
    staleHint: '提交时会核对您看到的版本；若他人已更新此记录，将提示您刷新。',
    backfillLegend: '补录（线下已办理的，填写实际发生时间）',
  },
  supervisions: {
    listTitle: '监督事项',
    newTitle: '新建监督事项',
    number: '编号',
    kind: '监督类型',
    subject: '监督事项',
    respondent: '报告机关',
    state: '状态',
    rating: '评议结果',
    openedAt: '立项时间',
    cases: '关联案件',
    casesHint: '每行一个案号，例如 2026-HL01-000001',
    caseNotFound: (n: string) => `没有案号为 ${n} 的案件`,
    none: '暂无监督事项。',
    created: '监督事项已立项。',
    reports: '已提交报告',
    rectifications: '已提交整改报告',
    conclusion: '办结意见',
    noCases: '未关联案件。',
    basics: '事项信息',
  },
  dashboard: {
    title: '执行工作统计看板',
    intro: '按登记时间统计；金额为人民币元。',
    filters: '统计范围',
    from: '开始日期',
    to: '结束日期',
    district: '区县',
    station: '联络站',
    csv: '下载 CSV',
    overdueCases: '执行超期与履行超期的案件',
    supervision: '监督事项',
    noData: '暂无数据',
  },
  activities: {
    title: (station: string) => `履职记录本 · ${station}`,
    add: '登记履职活动',
    date: '活动日期',
    theme: '活动主题',
    content: '活动内容',
    deputies: '进站代表',
    voters: '接待选民人次',
    visits: '代表进站人次',
    recorded: '履职记录已登记。',
    none: '暂无履职记录。',
    totals: (n: number, visits: number, voters: number) => `本页共 ${n} 次活动，代表进站 ${visits} 人次，接待选民 ${voters} 人次。`,
  },
  admin: {
    stationsTitle: '联络站',
    deputiesTitle: '人大代表',
    usersTitle: '用户',
    addStation: '新增联络站',
    addDeputy: '新增人大代表',
    addUser: '新增用户',
    stationCreated: '联络站已新增。',
    deputyCreated: '人大代表已新增。',
    userCreated: '用户已新增。',
    tokenOnce: 'API 访问令牌（只显示这一次，请妥善保存）：',
    passwordSet: '密码已设置；该用户下次登录时须修改密码。',
    setPassword: '设置密码',
    newPassword: '新密码（至少 12 个字符）',
    newPasswordShort: '新密码',
    hasPassword: '可登录',
    mustChange: '待修改初始密码',
    noLogin: '未设置登录名',
    expertiseHint: '多个领域用顿号或逗号分隔',
    stationOnly: '仅联络站工作人员填写',
    deputyOnly: '仅人大代表填写',
    status: '状态',
    active: '在用',
    inactive: '已停用',
    deactivate: '停用',
    activate: '启用',
    deactivated: '该用户已停用：其访问令牌立即失效，网页登录已全部退出。',
    activated: '该用户已重新启用。',
    newToken: '更换令牌',
    newTokenOnce: '新的 API 访问令牌（只显示这一次；此前的令牌已全部失效）：',
    edit: '修改',
    editTitle: (name: string) => `修改用户：${name}`,
    save: '保存',
    updated: '用户信息已保存。',
    actions: '操作',
  },
  audit: {
    title: '审计日志',
    accessTitle: '谁查看了当事人个人信息',
    intro: '系统管理和安全相关的每一次操作都记录在此，记录不可修改、不可删除。',
    accessIntro: '每一次查看未打码的当事人个人信息（身份证号、电话）都记录在此。',
    at: '时间',
    actor: '操作人',
    action: '操作',
    target: '对象',
    detail: '详情',
    address: '来源地址',
    requestId: '请求编号',
    caseId: '案件',
    fields: '查看的信息',
    anyAction: '（全部操作）',
    actorId: '操作人编号',
    from: '起始日期',
    to: '截止日期',
    filter: '筛选',
    csv: '下载 CSV',
    next: '下一页',
    empty: '没有符合条件的记录。',
    nobody: '（未登录）',
    system: '系统',
  },
  diagram: {
    deputySelf: '代表本人',
    deputyAssigned: '指派的代表',
    ownStation: '本站工作人员',
    fromHere: (state: string) => `从「${state}」可以：`,
    stays: '（状态不变）',
    staysShort: '（不变）',
  },
  charts: {
    rates: '成效',
    amounts: '执行金额（元）',
    yuan: '元',
    stations: '联络站履职',
    allStates: '（全部）',
  },
  /** Examples shown in empty inputs. */
  examples: {
    amount: '例如 12000.50',
    claimAmount: '例如 20000.00',
    enforceableDocument: '例如 （2025）黑0111民初123号民事判决书',
    activityTheme: '例如 代表接待日：物业纠纷专题',
    stationCode: '例如 HL01',
    stationName: '例如 呼兰区人民法院人大代表联络站',
    district: '例如 呼兰区',
    expertise: '例如 民间借贷、婚姻家庭',
    login: '例如 lisjy',
    subject: '例如 2026 年度民间借贷案件执行情况专题问案',
    respondent: '例如 呼兰区人民法院',
  },
  party: (role: string, name: string, idNumber?: string, phone?: string) =>
    `${role} ${name}${idNumber ? `，证件 ${idNumber}` : ''}${phone ? `，电话 ${phone}` : ''}`,
  errors: {
    onlyFor: (roles: string) => `此页面仅供${roles}使用。`,
    formTooLarge: (kib: number) => `提交的内容超过 ${kib} KiB，未作任何更改。请删减后重试。`,
    database: '数据库暂时无法访问，请稍后重试。',
    csvName: '执行监督报表',
    notFoundPage: '您访问的页面不存在。',
    csrf: '表单已过期或来源不明，未作任何更改。请返回刷新页面后重试。',
    internal: '服务器内部错误，已记录；请联系管理员。',
    signInFirst: '请先登录。',
    roleHome: '返回首页',
  },
} as const;

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
  'cases.opened': '受理案件数',
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
  'stations.casesOpened': '受理案件数',
  'stations.activities': '履职活动次数',
  'stations.deputyVisits': '代表进站人次',
  'stations.votersReceived': '接待选民人次',
  stationTotals: '合计',
};

/** 扫码联 — what citizens read on the public pages, and what staff read of their submissions. */
export const CITIZEN = {
  intakeTitle: '扫码反映纠纷',
  intakeLead: '遇到矛盾纠纷，可以在这里留言。联络站工作人员会尽快和您联系，人大代表和法院可以帮助调解。',
  stationHotline: '联络站热线',
  stationAddress: '地址',
  onDuty: '值班人大代表',
  noOnDuty: '值班安排请拨打热线咨询。',
  form: {
    name: '您的姓名',
    phone: '手机号码',
    phoneHint: '工作人员用这个号码联系您；查询进度时也要用到后 4 位。',
    counterparty: '对方姓名（或单位名称）',
    disputeType: '纠纷类型',
    description: '发生了什么事',
    descriptionHint: '请简单说明经过和您的诉求，最多 2000 字。',
    consent: '我已阅读并同意上面的个人信息处理说明',
    honeypot: '请勿填写此栏',
    submit: '提交',
  },
  disputeTypes: ['民间借贷', '婚姻家庭', '继承纠纷', '邻里纠纷', '物业服务', '房屋租赁', '买卖合同', '劳务报酬', '劳动争议', '交通事故', '人身损害', '土地承包', '其他'],
  consentTitle: '个人信息处理说明',
  /** PIPL Art 17: what, why, who, how long, and the person's rights — in plain words. */
  consent: [
    ['收集什么', '您的姓名、手机号码、对方的姓名，以及您填写的纠纷类型和经过。'],
    ['为什么收集', '只用于联系您、了解纠纷，以及在您同意调解后登记案件、组织调解。'],
    ['谁能看到', '本联络站的工作人员和法院工作人员。登记为案件后，参与调解的人大代表只能看到隐去部分号码的信息。不会用于其他用途，也不会提供给其他单位或个人。'],
    ['保存多久', '没有登记为案件的，处理完毕后保存 180 天，然后删除；登记为案件的，随案件材料依法保存。'],
    ['您的权利', '您可以拨打联络站热线查询、更正您的信息，或者撤回同意、要求删除。'],
    ['不同意会怎样', '不勾选同意就不能在网上提交，我们不会保存任何内容；您仍可以拨打热线或到联络站反映。'],
  ] as [string, string][],
  thanksTitle: '已收到您的反映',
  thanksLead: '联络站工作人员会尽快与您联系。',
  receipt: '回执码',
  receiptHint: '请截图或抄下回执码。查询进度时需要回执码和手机号码后 4 位。',
  howToLookUp: '查询办理进度',
  lookUpTitle: '查询办理进度',
  lookUpLead: '请输入提交后得到的回执码，以及提交时所留手机号码的后 4 位。',
  lookUpReceipt: '回执码',
  lookUpPhone: '手机号码后 4 位',
  lookUpSubmit: '查询',
  statusWords: {
    pending: '已收到，正在等待联络站处理。',
    declined: '联络站经审查后未登记为案件。如有疑问，请拨打联络站热线。',
    case: '已登记为案件。',
  } as Record<string, string>,
  caseNumber: '案件编号',
  caseState: '办理状态',
  nextDate: '下一个日期',
  notFound: '没有找到与该回执码和手机号码后 4 位相符的记录。请核对后再试。',
  backToForm: '返回',
  refused: '提交未成功',
  lookUpFailed: '查询未成功',
  nothingStored: '本次提交的内容没有保存。',
  honeypotFilled: '提交未被接受。请刷新页面后重新填写，不要填写标明“请勿填写”的一栏。',
  tooLarge: '填写的内容过长，请精简后再提交（总共不超过约 5000 字）。',
  unknownStation: '没有找到这个联络站。请核对二维码，或拨打 12345 咨询。',
  // Staff
  queueTitle: '扫码来件',
  queueNav: '扫码来件',
  cardNav: '联络卡',
  onDutyHint: '每行一位：姓名，空格，接待时间。例如：王丽 每周三上午',
  queueEmpty: '暂无待处理的群众提交。',
  queueStatus: { pending: '待处理', accepted: '已立案', declined: '不予受理' } as Record<string, string>,
  submittedAt: '提交时间',
  submitter: '提交人',
  phone: '手机号码',
  counterparty: '对方',
  description: '情况说明',
  station: '联络站',
  accept: '立案',
  acceptTrack: '调解类型',
  acceptSummary: '案情摘要（可不填，默认用群众填写的经过）',
  decline: '不予受理',
  declineReason: '不予受理的理由',
  accepted: '已登记为案件',
  declined: '已记录不予受理',
  openCase: '查看案件',
  fromSubmission: '来自群众扫码提交',
  // The printed card
  cardTitle: '联络站联络卡',
  cardNumber: '站点编号',
  cardScan: '微信或手机相机扫码，反映矛盾纠纷',
  cardLookUp: '查询进度',
  cardPrintA6: '打印单张（A6）',
  cardPrintA4: '打印一整页（A4，四张）',
  cardPrint: '打印',
  cardLocalUrl: '二维码指向的地址只能在本机打开，居民手机扫码后无法访问。请系统管理员设置对外网址后再打印。',
};

/** The words a citizen reads for a case's state (the status look-up): the state, and how it ended. */
export function citizenStateLabel(state: string, outcome: string | null): string {
  if (state === 'closed') return outcome ? `已结案（${outcomeLabel(outcome)}）` : '已结案';
  return stateLabel(state);
}
// ---------------------------------------------------------------------------------------------
// 站内消息 (DESIGN.md §12): a notice's words, made from its kind and params when shown.

function beijingMinute(iso: unknown): string {
  if (typeof iso !== 'string' || Number.isNaN(Date.parse(iso))) return '';
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** A notice's title and body, from its kind, the entity's number and its params. */
export function noticeText(kind: string, number: string, params: Record<string, unknown>): { title: string; body: string } {
  const p = params as Record<string, string | undefined>;
  switch (kind) {
    case 'case_assigned':
      return { title: `您被指派参与调解案件 ${number}`, body: `案件 ${number} 已指派您参与调解，请查看案情并安排调解。` };
    case 'session_scheduled':
      return {
        title: `案件 ${number} 已安排调解`,
        body: `调解时间：${beijingMinute(p.at)}（北京时间）${p.location ? `，地点：${p.location}` : ''}。`,
      };
    case 'deadline_warning':
      return {
        title: `案件 ${number} 的期限即将届满`,
        body: `${DEADLINE_LABELS[p.deadline ?? ''] ?? '期限'}将于 ${beijingMinute(p.dueAt)}（北京时间）届满，请及时处理。`,
      };
    case 'deadline_fired':
      return { title: `案件 ${number}：${EVENT_LABELS[p.event ?? ''] ?? '期限届满'}`, body: `案件 ${number} 的期限已届满，系统已记录“${EVENT_LABELS[p.event ?? ''] ?? p.event}”。` };
    case 'report_requested':
      return { title: `监督事项 ${number} 要求报告`, body: `人大常委会要求就监督事项 ${number} 提交报告${p.dueDate ? `，期限 ${p.dueDate}` : ''}。` };
    case 'rectification_requested':
      return { title: `监督事项 ${number} 要求整改`, body: `测评结果为不满意，请整改并提交整改报告${p.dueDate ? `，期限 ${p.dueDate}` : ''}。` };
    case 'report_submitted':
      return { title: `监督事项 ${number} 已收到${p.event === 'SUBMIT_RECTIFICATION' ? '整改报告' : '报告'}`, body: `请审议并测评监督事项 ${number} 的${p.event === 'SUBMIT_RECTIFICATION' ? '整改报告' : '报告'}。` };
    case 'report_overdue':
      return { title: `监督事项 ${number} 报告逾期`, body: `监督事项 ${number} 的报告期限已过，尚未收到报告。` };
    case 'submission_received':
      return { title: `收到群众扫码提交的纠纷（${number}）`, body: '有群众通过扫码联提交了纠纷，请尽快查看并决定是否受理。' };
    default:
      return { title: `消息：${number}`, body: '' };
  }
}

/** A webhook delivery's status, for the admin's pages. */
export const DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: '待投递',
  delivered: '已送达',
  dead: '已失效',
  cancelled: '已取消',
  skipped: '未发送',
};
