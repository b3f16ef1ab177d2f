/**
 * What each refusal says, in zh-CN: one sentence per closed reason of src/engine/errors.ts (and of
 * the machines' refusals, src/machines/spec.ts), rendered from its parameters. The engine throws
 * data; the edge words it here — the JSON API with machine names (`mediation.active`, `ACCEPT`)
 * that a client can act on, the web with the people's words (「调解中」, 「受理」) through its own
 * `Wording`. No sentence is ever rewritten after it is made.
 */
import type { FieldError, Params, Reason } from './engine/errors.js';

/** How names inside a sentence are written: by the API as they are, by the web as labels. */
export interface Wording {
  state(state: string): string;
  event(event: string): string;
  /** An event named only so an API client knows which to send instead; people do not need it. */
  eventHint(event: string): string;
  roles(roles: readonly string[]): string;
  events(events: readonly string[]): string;
  instant(iso: string): string;
  /**
   * How to confirm a value the engine asks to be confirmed (`field`, a flag sent as true) when it
   * is `what` indeed: an API client sends the field, a person ticks its box.
   */
  confirm(field: string, what: string): string;
  /** One field's refusal in words. */
  field(e: FieldError): string;
}

/** The API's wording: names as the API spells them, set apart by spaces. */
export const plainWording: Wording = {
  state: (s) => ` ${s} `,
  event: (e) => ` ${e} `,
  eventHint: (e) => `（${e}）`,
  roles: (r) => ` ${r.join('、')} `,
  events: (e) => e.join(', '),
  instant: (iso) => iso,
  confirm: (field, what) => `确属${what}的，请明确确认超额（${field}: true）`,
  field: (e) => fieldMessage(e, plainWording),
};

const s = (v: unknown) => String(v ?? '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

type Sentence = (p: Params, w: Wording) => string;

/** What is wrong with an import's file (DESIGN.md §14), by `params.problem`. */
const IMPORT_FILE_PROBLEMS = {
  empty: () => '文件是空的',
  no_file: () => '请选择要导入的文件（表单字段 file）',
  xls: () => '不支持旧版 Excel 97-2003（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV 后重试',
  encoding: () => '无法识别文件的文字编码：请将文件另存为“CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后重试',
  not_table: () => '文件不是 CSV 或 Excel（.xlsx）文件',
  csv: (p: Params) => `CSV 文件格式有误：${s(p.detail)}`,
  xlsx_broken: () => 'Excel 文件已损坏或不是 .xlsx 工作簿',
  no_sheet: () => 'Excel 文件中没有工作表',
  // The command line's file (scripts/import.ts): what the clerk typed is not a register it can open.
  not_found: (p: Params) => `找不到文件 ${s(p.file)}：请检查路径和文件名`,
  not_a_file: (p: Params) => `${s(p.file)} 不是文件（可能是文件夹）：请给出 .xlsx 或 .csv 文件的路径`,
  not_readable: (p: Params) => `无法读取文件 ${s(p.file)}：请检查是否有读取权限（${s(p.code)}）`,
  extension: (p: Params) => `只能导入 .xlsx 或 .csv 文件：请将 ${s(p.file)} 在 Excel 中另存为 .xlsx 或 CSV 后重试`,
  missing_columns: (p: Params) => `文件缺少以下列：${list(p.columns).join('、')}。第一行须为列名，与本系统导出的${s(p.kind)}文件相同`,
} satisfies Record<string, (p: Params) => string>;

const SENTENCES: Record<Reason, Sentence> = {
  // 400: the summary, then each field
  'invalid.body': (p, w) => withFields('请求内容有误', p, w),
  'invalid.query': (p, w) => withFields('请求参数有误', p, w),
  'invalid.list_query': (p, w) => withFields('查询参数有误', p, w),
  'invalid.not_object': (p, w) => withFields('请求体须为 JSON 对象', p, w),
  'invalid.event_type': (p, w) => withFields('未知的事件类型', p, w),
  'invalid.too_large': (p, w) => withFields('请求体过大', p, w),
  'invalid.json': (p, w) => withFields('请求体不是合法的 JSON', p, w),
  'invalid.url': (p, w) => withFields('请求地址有误', p, w),
  'invalid.idempotency_key': (p, w) => withFields('Idempotency-Key 无效', p, w),
  'invalid.if_match': (p, w) => withFields('If-Match 无效', p, w),
  // An import's file as a whole (src/api/imports.ts): the file's problem is the whole sentence.
  'invalid.import_file': (p, w) => ((p.errors ?? []) as FieldError[]).map((e) => w.field(e)).join('；'),

  'field.schema': (p) => s(p.message),
  'field.station_unknown': (p) => `联络站 ${s(p.code)} 不存在`,
  'field.deputies_unknown': (p) => `代表不存在：${list(p.ids).join('、')}`,
  'field.deputy_unknown': (p) => `代表 ${s(p.id)} 不存在`,
  'field.deputies_retired': (p) => `代表已不再履职（已撤销），不能再选择：${list(p.ids).join('、')}`,
  'field.station_retired': (p) => `联络站 ${s(p.code)} 已撤销，不能再受理新案件`,
  'field.cases_unknown': (p) => `案件不存在：${list(p.ids).join('、')}`,
  'field.occurred_in_future': () => '发生时间不能晚于当前时间',
  'field.occurred_before_previous': (p, w) => `发生时间不能早于上一事件的发生时间（${w.instant(s(p.notBefore))}）`,
  'field.cursor': () => '无效的分页游标',
  'field.activity_in_future': (p) => `活动日期不能晚于今天（${s(p.today)}）`,
  'field.not_object': () => '须为 JSON 对象',
  'field.not_event_object': () => '须为 JSON 对象，例如 {"type": "ACCEPT"}',
  'field.event_types': (p, w) => `须为以下之一：${w.events(list(p.types))}`,
  'field.unstorable': () => '含有无法保存的字符（NUL 或不成对的 UTF-16 代理项）',
  'field.too_deep': (p) => `JSON 嵌套不能超过 ${s(p.max)} 层`,
  'field.too_large': (p) => `不能超过 ${s(p.kib)} KiB`,
  'field.json': (p) => s(p.detail),
  'field.key_length': () => '长度须为 1–200 个字符',
  'field.if_match': () => '须为版本号，例如 "3"',
  'field.login_missing': () => '该用户还没有登录名：设置密码须同时设置登录名',
  'field.current_password': () => '当前密码不正确',
  'field.import_file': (p) => IMPORT_FILE_PROBLEMS[s(p.problem) as keyof typeof IMPORT_FILE_PROBLEMS]?.(p) ?? '无法读取该文件',
  'field.calendar_other_year': (p) => `须为 ${s(p.year)} 年的日期`,
  'field.calendar_duplicate': (p) => `日期 ${s(p.date)} 重复`,
  'field.calendar_workday_weekday': (p) => `${s(p.date)} 本是工作日：调休上班日须为周六或周日`,

  // 401
  'auth.no_token': () => '缺少访问令牌：请在 Authorization 头中提供 Bearer 令牌',
  'auth.bad_token': () => '访问令牌无效',
  'auth.sign_in_failed': () => '登录名或密码错误',
  'auth.inactive': () => '该用户已停用，访问令牌不再有效',
  'auth.account_inactive': () => '该账号已停用，请联系系统管理员',
  'auth.locked': (p) => `尝试次数过多，请 ${s(p.minutes)} 分钟后再试`,

  // 403
  'forbidden.role': (p, w) => `此操作仅限${w.roles(list(p.roles))}角色`,
  'forbidden.create': (p, w) => `角色${w.roles([s(p.role)])}不能创建${p.entity === 'case' ? '案件' : '监督事项'}`,
  'forbidden.event': (p, w) => `角色${w.roles([s(p.role)])}不能在此发送事件${w.event(s(p.event))}`,
  'forbidden.record': () => '无权访问该记录',
  'forbidden.case_read': () => '无权查看该案件',
  'forbidden.supervision_read': () => '无权查看监督事项',
  'forbidden.sweep': () => '只有系统管理员可以手动执行期限扫描',
  'forbidden.token_other': () => '只有系统管理员或用户本人可以更换访问令牌',
  'forbidden.audit_read': () => '审计日志仅限系统管理员和人大常委会工作人员查看',
  'forbidden.activity_record': () => '只有联络站工作人员、法院工作人员或系统管理员可以登记履职记录',
  'forbidden.activity_record_own': () => '联络站工作人员只能登记本站的履职记录',
  'forbidden.activity_read_own': () => '联络站工作人员只能查看本站的履职记录',
  'forbidden.activity_read_deputy': () => '代表只能查看所在联络站的履职记录',
  'forbidden.activity_read': () => '无权查看履职记录',
  'forbidden.report_unlinked': () => '该联络站账号未关联站点',
  'forbidden.report_own': () => '联络站工作人员只能查看本站的统计',
  'forbidden.report_deputy': () => '人大代表不能查看执行监督报表',
  'forbidden.case_create_own': () => '联络站工作人员只能为本站登记案件',
  'forbidden.case_create_source': () => '联络站只能登记入站、扫码联、热线联、入户联四种渠道收到的纠纷',
  'forbidden.webhooks': () => '只有系统管理员可以管理消息推送（Webhook）',
  'forbidden.sms_consent': () => '只有法院工作人员或受理该案的联络站可以更改当事人的短信通知同意',
  'forbidden.inbox': () => '该身份没有站内消息',

  // 404
  'not_found.case': (p) => `案件 ${s(p.id)} 不存在`,
  'not_found.supervision': (p) => `监督事项 ${s(p.id)} 不存在`,
  'not_found.user': (p) => `用户 ${s(p.id)} 不存在`,
  'not_found.station': (p) => `联络站 ${s(p.code)} 不存在`,
  'not_found.station_retired': (p) => `联络站 ${s(p.code)} 已停用，不再受理来件`,
  'not_found.deputy': (p) => `代表 ${s(p.id)} 不存在`,
  'not_found.activity': (p) => `履职记录 ${s(p.id)} 不存在`,
  'not_found.machine': (p) => `没有名为 ${s(p.name)} 的状态机；可选：${list(p.names).join('、')}`,
  'not_found.entity_type': (p) => `unknown entity type ${s(p.type)}`,
  'not_found.webhook': (p) => `推送地址（Webhook）${s(p.id)} 不存在`,
  'not_found.delivery': (p) => `推送记录 ${s(p.id)} 不存在`,
  'not_found.party': (p) => `该案件没有第 ${s(p.index)} 号当事人（从 0 起数）`,

  // 409: why the machine refuses an event (src/machines/case-spec.ts, supervision-spec.ts)
  'transition.case_closed': (p, w) => `案件已结案，不能再发送${w.event(s(p.event))}`,
  'transition.supervision_closed': (p, w) => `监督事项已办结，不能再发送${w.event(s(p.event))}`,
  'transition.not_accepted': (p, w) => `当前状态${w.state(s(p.state))}不接受事件${w.event(s(p.event))}`,
  'transition.recuse_not_assigned': () => '该代表未被指派到本案，不能回避',
  'transition.attendees_not_assigned': () => '出席代表须为本案当前指派的代表',
  'transition.confirmation_post_filing': () => '诉中调解已制作调解书，无需申请司法确认',
  'transition.already_enforceable': () => '协议已具有强制执行力',
  'transition.confirmation_window': (p, w) => `申请司法确认须在协议达成之日起 ${s(p.days)} 日内（截止 ${w.instant(s(p.until))}）`,
  'transition.not_enforceable': (_p, w) => `协议未经司法确认，不具有强制执行力：请另行起诉${w.eventHint('FILE_LAWSUIT')}`,
  'transition.enforcement_barred': (p, w) => `申请执行期间已届满（履行期限届满后二年，截止 ${w.instant(s(p.until))}）`,
  'transition.lawsuit_enforceable': (_p, w) => `协议已具有强制执行力，应申请执行${w.eventHint('APPLY_ENFORCEMENT')}`,
  'transition.mediation_not_due': (p, w) => `调解期限尚未届满（${w.instant(s(p.dueAt))}）`,
  'transition.performance_not_due': (p, w) => `履行期限尚未届满（${w.instant(s(p.dueAt))}）`,
  'transition.enforcement_marked': () => '已标记为执行超期',
  'transition.enforcement_not_due': (p, w) => `执行期限尚未届满（${w.instant(s(p.dueAt))}）`,
  'transition.conditions': (p, w) => `当前状态${w.state(s(p.state))}下事件${w.event(s(p.event))}的条件不满足（${w.instant(s(p.at))}）`,
  'transition.supervision_conditions': (p, w) => `当前状态${w.state(s(p.state))}下事件${w.event(s(p.event))}的条件不满足`,
  'transition.report_not_due': () => '报告期限尚未届满，或已标记逾期',
  'transition.overpayment': (p, w) =>
    `本次履行金额 ${yuan(p.amount)} 超过尚欠金额 ${yuan(p.owed)}：足额履行将以“履行完毕”结案且不可撤销。请核对金额；${w.confirm('confirmOverpayment', '超额履行')}`,
  'transition.nothing_paid': (p) => `金额须大于 0${p.owed == null ? '' : `（尚欠 ${yuan(p.owed)}）`}；金额为 0 只用于记录无需给付金钱的协议已经履行`,
  'transition.overrecovery': (p, w) =>
    `本次执行到位金额 ${yuan(p.amount)} 超过尚未执行到位的金额 ${yuan(p.owed)}：请核对金额；${w.confirm('confirmOverpayment', '超额')}`,
  'transition.session_before_registration': (p) => `调解时间不能早于案件登记时间（${dateTime(s(p.openedAt))}）`,
  'transition.due_date_past': (p) =>
    `期限 ${s(p.date)} 在本事项发生之日（${dateOnly(s(p.at))}）之前已经届满：请核对日期；如是补录线下已办事项，请填写实际发生时间`,
  'transition.nothing_due': (p) =>
    p.dueDate ? `尚无到期应履行的款项（最近一期应于 ${s(p.dueDate)} 履行），届期未履行后才能报告未履行` : '尚无到期应履行的款项，不能报告未履行',

  'version.stale': (p) => `版本已变化：请求基于版本 ${s(p.expected)}，当前版本为 ${s(p.actual)}，请刷新后重试`,
  'idempotency.reused': () => '该 Idempotency-Key 已用于另一个请求内容；请为新请求使用新的 key',
  'conflict.station_code': (p) => `站点代码 ${s(p.code)} 已存在`,
  'conflict.login': (p) => `登录名 ${s(p.login)} 已被使用`,
  'conflict.external_ref': (p) => (p.number ? `外部编号 ${s(p.ref)} 已登记为案件 ${s(p.number)}` : `编号 ${s(p.ref)} 已登记`),
  'conflict.deputy_duplicate': (p) =>
    `联络站 ${s(p.stationCode)} 已有名为“${s(p.name)}”的代表：如确是另一位同名代表，请核对级别和电话后明确确认（confirmDuplicate: true）`,
  'conflict.last_admin': () => '这是最后一位在用的系统管理员：不能停用或改为其他角色',
  'conflict.delivery_not_dead': (p) => `只有已失效（dead）的推送可以重新推送，该推送当前为 ${s(p.status)}`,
  'conflict.deadline_gone': () => '期限已触发或已取消',
  'machine.newer': (p) => `该记录由更新的${machineName(p)}版本 ${s(p.stored)} 写入，本服务只认识版本 ${s(p.current)}：请升级服务后再操作`,
  'machine.no_migration': (p) =>
    `该记录由${machineName(p)}版本 ${s(p.stored)} 写入，当前版本为 ${s(p.current)}，且没有从版本 ${s(p.stored)} 到 ${s(p.current)} 的迁移`,
  'unavailable.database': () => '数据库暂时无法访问，请稍后重试',
  'unavailable.contention': () => '并发写入过多，请稍后重试',

  // 扫码联: what a citizen or the station's staff are told (DESIGN.md §13)
  'field.submission_unknown': () => '群众提交不存在',
  'field.submission_mismatch': () => '由群众扫码提交立案的案件，渠道须为扫码联、站点须为提交时的站点',
  'forbidden.submission_own': () => '联络站工作人员只能处理本站收到的群众提交',
  'forbidden.card_own': () => '联络站工作人员只能打印本站的联络卡',
  'not_found.submission': (p) => `提交 ${s(p.id)} 不存在`,
  'not_found.receipt': () => '没有找到与该回执码和手机号码后 4 位相符的记录',
  'conflict.submission_decided': (p) => (p.status === 'accepted' ? '该提交已经立案，不能再次处理' : '该提交已经不予受理，不能再次处理'),
  'limit.phone_per_day': (p) => `同一手机号码每天最多提交 ${s(p.max)} 次，请明天再试，或拨打联络站热线`,
  'limit.address_per_hour': (p) => `同一网络一小时内最多提交 ${s(p.max)} 次，请稍后再试，或拨打联络站热线`,
  'limit.lookups_per_address': () => '查询过于频繁，请一小时后再试',
  'limit.lookups_per_receipt': () => '这个回执码今天查询次数过多，请明天再试',
  'too_large.body': (p) => `提交的内容不能超过 ${s(p.kib)} KiB`,
};

/** ¥ and thousands separators, as the pages write money (¥15,000.00). */
const yuan = (v: unknown) => {
  const [int, frac = '00'] = s(v).split('.');
  return `¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac.padEnd(2, '0')}`;
};
/** An instant as a Shanghai date and time, not as ISO (issue 15 §5). */
const dateTime = (iso: string) => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
};
const dateOnly = (iso: string) => dateTime(iso).slice(0, 10);

const machineName = (p: Params) => (p.machine ? `${s(p.machine)} 状态机` : '状态机');

function withFields(summary: string, p: Params, w: Wording): string {
  const errors = (p.errors ?? []) as FieldError[];
  return `${summary}：${errors.map((e) => `${e.field} ${w.field(e)}`).join('；')}`;
}

/** One field's refusal in words (the schema's own words for `field.schema`). */
export function fieldMessage(e: FieldError, w: Wording = plainWording): string {
  return SENTENCES[e.reason](e.params ?? {}, w).trim();
}

/**
 * The sentence for a reason and its parameters.
 * @example messageOf('transition.not_accepted', { state: 'mediation.active', event: 'ACCEPT' }) // '当前状态 mediation.active 不接受事件 ACCEPT'
 */
export function messageOf(reason: Reason, params: Params = {}, w: Wording = plainWording): string {
  return SENTENCES[reason](params, w).trim();
}

/**
 * What a replayed answer (a repeat of an Idempotency-Key) says in its `note` where the first answer
 * showed a secret: the record keeps none (DESIGN.md §10), so the replay shows `null` and says how
 * to get a new one.
 */
export const REPLAY_NOTES = {
  token: (userId: string) =>
    `这是同一 Idempotency-Key 重复请求的回答：令牌只在第一次回答中显示，不再显示。如需新令牌，请换发：POST /api/users/${userId}/token（此前的令牌随即失效）。`,
  secret: (webhookId: string) =>
    `这是同一 Idempotency-Key 重复请求的回答：签名密钥只在第一次回答中显示，不再显示。如需新的密钥，请删除此 Webhook（DELETE /api/webhooks/${webhookId}）后重新添加。`,
};
