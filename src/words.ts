/** The pages' own words, in Simplified Chinese: navigation, headings, buttons, messages, notices. */
import { DEADLINE_LABELS, EVENT_LABELS } from './labels.js';

/** Headings for the engine's refusals, by DomainError code. */
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
    // A form posted after the session ended (issue 15 §6).
    expired: '登录已过期，请重新登录。',
    draftKept: '您填写的内容已保留，登录后将回到原来的页面，可继续填写并提交。',
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
    pageLinkExpired: '翻页链接已失效，已回到第一页。',
    optional: '选填',
    required: '必填',
    masked: '已脱敏',
    empty: '暂无记录',
    details: '详情',
    add: '添加',
    download: '下载',
    chooseOne: '请选择',
    chooseFromList: '请从列表中选择',
    amountFormat: '金额须为不超过两位小数的非负数，例如 3,000 或 12000.50',
    dateFormat: '请填写有效的日期，例如 2026-11-24',
    dateTimeFormat: '请填写有效的日期和时间，例如 2026-11-24 09:30',
    /** A text field's limit, said beside it before anything is typed. */
    maxChars: (n: number) => `最多 ${n} 字`,
    errorsAbove: '请修改下列标出的内容后重新提交：',
    nothingChanged: '未作任何更改。',
    backTo: '返回',
    phoneTail: (digits: string) => `尾号 ${digits}`,
  },
  /** A form handed back after signing in again (issue 15 §6). */
  restored: {
    title: '已恢复您填写的内容',
    detail: '登录已过期时您的内容尚未提交。现已重新登录，请核对后再提交。',
    passwordNotKept: '出于安全，密码不会保留：请重新填写密码。',
    fileNotKept: (names: string) => `上传的文件不能随登录保留${names ? `（${names}）` : ''}：请重新选择文件后再提交。`,
  },
  /** A form someone else overtook while it was open (DESIGN §6's 412, in words). */
  stale: {
    title: '他人已更改了此记录',
    detail: (n: number) =>
      `您打开本页后，他人已办理了 ${n} 项操作（见下方）。本次未作任何更改，您填写的内容仍保留在表单中：请核对最新情况后再次提交；如不再需要，可返回放弃填写。`,
    changes: '您打开本页后新增的记录',
    reload: '放弃填写，查看最新情况',
    gone: '您打开本页后，他人已办理了其他操作，此操作现已不可办理。您填写的内容未提交，也未作任何更改。',
  },
  cases: {
    dueWithin: (days: number) => (days === 0 ? '今日届满及已逾期' : `${days} 日内届满`),
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
    closedOverdue: '超期结案',
    closedOverdueNote: (what: string, lastDay: string, days: number) => `${what}已于 ${lastDay} 届满，结案时已超期 ${days} 天。`,
  },
  event: {
    formTitle: (event: string, number: string) => `${event} · ${number}`,
    // Not "确认裁定确认有效": an event already named a confirmation is submitted by its name.
    submit: (event: string) => (event.includes('确认') ? `提交「${event}」` : `确认${event}`),
    done: (event: string) => `已办理「${event}」。`,
    doneClosed: (event: string, outcome: string) => `已办理「${event}」，案件已结案（${outcome}），不能再办理其他事项。`,
    doneClosedItem: (event: string) => `已办理「${event}」，监督事项已办结。`,
    closesWarning: '此操作将结案：结案后不能撤销，也不能再办理其他事项。',
    /**
     * What an event that closes the case or item only with some values says above its fields, by
     * event; an event not here closes only in ways its form does not offer, and says nothing.
     */
    mayCloseWarnings: {
      RECORD_PERFORMANCE: '按此金额足额履行后，案件将以“履行完毕”结案，且不能撤销。',
      // Under the note that says which ratings close the item (evaluateNote): what closing means.
      EVALUATE: '监督事项办结后不能撤销，也不能再办理其他事项。',
    } as Record<string, string>,
    confirmClose: '我确认此操作将结案',
    confirmCloseMissing: '请勾选“我确认此操作将结案”后再提交',
    // Beside the 确认超额 box (its row's label): what is confirmed, by event.
    confirmOverpayment: (event: string) => (event === 'RECORD_RECOVERY' ? '本次金额确实超过尚未执行到位的金额' : '本次金额确实超过尚欠金额'),
    owed: (amount: string) => `尚欠金额：${amount}。超过此金额须勾选“确认超额”。`,
    unrecovered: (amount: string) => `尚未执行到位：${amount}。超过此金额须勾选“确认超额”。`,
    evaluateNote: '评议为“满意”或“基本满意”时，该监督事项即办结；评议为“不满意”时须确定整改期限，事项转入整改。',
    unavailable: '此操作当前不可办理：案件状态已变化，或您的角色不能办理此事项。',
    backdatedOnly: '按今天的日期已不能办理此事项，但按案件记录，此前的某个时间仍可办理（例如在申请期限内）。请在下方“补录”中填写实际发生时间。',
    backdatedMark: '（补录）',
    occurredAtHint: '线下已办理的，填写实际发生时间；留空即为现在。',
    installmentsHint: '分期履行的，每期填写日期和金额（金额可写作 3,000）；各期之和须等于协议金额，最后一期不晚于履行期限。不分期的留空；清空一行即删去该期。',
    installmentNo: (n: number) => `第 ${n} 期`,
    installmentDate: '日期',
    installmentAmount: '金额',
    installmentPart: (n: number, part: 'dueDate' | 'amount') => `分期第 ${n} 期的${part === 'dueDate' ? '日期' : '金额'}`,
    addInstallment: '添加一期',
    removeInstallment: '删去此期',
    recomputeTotal: '计算合计',
    installmentsTotal: '分期合计',
    installmentsCount: (n: number) => `（共 ${n} 期）`,
    totalMatches: '与协议金额相符',
    totalShort: (x: string) => `比协议金额少 ${x}`,
    totalOver: (x: string) => `比协议金额多 ${x}`,
    totalNoAgreed: '填写协议金额后即可核对',
    totalUnread: (rows: string) => `${rows}的金额无法识别，未计入合计`,
    datePast: '该日期已过',
    deputiesHint: '可多选',
    noDeputies: '没有可选的人大代表',
    consent: '双方当事人已同意延长调解期限',
    staleHint: '提交时会核对您看到的版本；若他人已更新此记录，将提示您刷新。',
    backfillLegend: '补录（线下已办理的，填写实际发生时间）',
    // What was just saved, at the head of the timeline (issue 15 §6).
    newEntry: '新增的记录',
    inTimeline: '在流转记录中查看',
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
    outcomesTitle: '执行案件（按结案方式，含执行中）',
    overdueFiltered: '按上方统计范围（登记时间、区县、联络站）筛选。',
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
    edit: '修改',
    editTitle: (date: string, theme: string) => `修改履职记录：${date} ${theme}`,
    updated: '履职记录已保存。',
    recordedAt: (at: string) => `${at} 登记`,
    back: '返回履职记录本',
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
    // Editing and retiring stations and deputies (issue 15 §4).
    editStation: (name: string) => `修改联络站：${name}`,
    editDeputy: (name: string) => `修改人大代表：${name}`,
    stationUpdated: '联络站信息已保存。',
    deputyUpdated: '人大代表信息已保存。',
    retired: '已停用',
    stationRetired: '联络站已停用：不再受理新案件。',
    deputyRetired: '人大代表已停用：不能再被选择。',
    stationReactivated: '联络站已重新启用。',
    deputyReactivated: '人大代表已重新启用。',
    retireStation: '停用联络站',
    retireDeputy: '停用人大代表',
    retireStationNote: '停用后，该联络站不能再受理新案件；已有案件和履职记录不受影响，以后可以重新启用。',
    retireDeputyNote: '停用后，不能再指派该代表调解，也不能再选为进站代表；已有记录不受影响，以后可以重新启用。',
    confirmRetireStation: '我确认停用此联络站',
    confirmRetireDeputy: '我确认停用此人大代表',
    confirmRetireMissing: '请先勾选确认，再停用',
    retiredNote: '此记录已停用。重新启用后即可再次选择。',
    reactivate: '重新启用',
    confirmDuplicate: '确认这是另一位同名代表（已核对代表层级和联系电话）',
    codeFixed: (code: string) => `站点代码 ${code} 用于案件编号，不能修改。`,
    duplicateDeputy: '该联络站已有同名的在任代表。如确是另一位同名代表，请核对代表层级和联系电话，勾选下方的确认后再保存。',
    backToStations: '返回联络站列表',
    backToDeputies: '返回人大代表列表',
  },
  /** A record's change history (issue 15 §4): who created or changed it, when, and what. */
  history: {
    title: '修改记录',
    intro: '每次新增和修改都记下了操作人和时间，记录不能修改或删除。',
    none: '尚无修改记录。',
    at: '时间',
    who: '操作人',
    what: '内容',
    changed: '已修改',
    blank: '（空）',
    created: '新增',
  },
  audit: {
    title: '审计日志',
    accessTitle: '谁查看了当事人个人信息',
    intro: '系统管理和安全相关的每一次操作都记录在此，记录不可修改、不可删除。',
    accessIntro: '每一次查看未打码的个人信息（案件当事人的身份证号、电话，群众申请人的姓名、电话）都记录在此。',
    at: '时间',
    actor: '操作人',
    action: '操作',
    target: '对象',
    detail: '详情',
    address: '来源地址',
    requestId: '请求编号',
    caseId: '案件',
    submission: '群众申请',
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
    system: '期限届满时由系统自动办理',
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
    installment: '例如 3,000',
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
    formTooLarge: (chars: number) => `提交的内容过长，未作任何更改：网页表单一次最多能提交约 ${chars} 字。请点“返回修改”回到表单，删减后再提交。`,
    backToForm: '返回修改',
    database: '数据库暂时无法访问，请稍后重试。',
    notFoundPage: '您访问的页面不存在。',
    csrf: '表单已过期或来源不明，未作任何更改。请返回刷新页面后重试。',
    internal: '服务器内部错误，已记录；请联系管理员。',
    signInFirst: '请先登录。',
    roleHome: '返回首页',
  },
} as const;

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
  /** Beside a deadline counted without that year's holidays (court and admin only: components.tsx). */
  calendarGap: '（该年节假日未录入，仅按周末计算）',
};

export const TODO_UI = {
  title: '待办事项',
  none: '目前没有待办事项。',
};

/** What a to-do line says is waiting, per kind (a deadline's line names the deadline instead). */
const TODO_LINES: Record<string, string> = {
  screening: '待审查受理',
  assignment: '待指派调解员和代表',
  confirmation: '待作出司法确认决定',
  session: '调解会议',
  evaluation: '待测评',
  report_overdue: '报告逾期未交',
  report_due: '待提交监督报告',
  rectification_due: '待提交整改情况',
};

/** What a to-do item (engine/todo.ts), or one listed in a stored daily digest, is made of. */
export interface TodoWords {
  kind?: string;
  entity?: { number: string };
  subject?: string;
  level?: string;
  deadline?: string;
  daysLeft?: number;
}

/** A to-do item's line: `title` in GET /api/me/todo, the web's to-do list and a deputy's daily digest. */
export function todoTitle(i: TodoWords): string {
  const about = (what: string) => `${what}：${i.subject ?? ''}`;
  if (i.kind === 'calendar_missing') return `${i.entity?.number ?? ''} 年法定节假日安排尚未录入`;
  if (i.kind === 'deadline') {
    const what = DEADLINE_LABELS[i.deadline ?? ''] ?? i.deadline ?? '期限';
    const days = i.daysLeft ?? 0;
    if (i.level === 'overdue') return about(`${what}已届满${Math.max(1, -days)}天`);
    return about(days === 0 ? `${what}今日届满` : `${what}还剩${days}天`);
  }
  const what = TODO_LINES[i.kind ?? ''];
  return what ? about(what) : (i.subject ?? '');
}

/** The upload page (DESIGN.md §14): the page's words, its live count's, and a result's summary line. */
export const IMPORT_UI = {
  title: '导入登记簿',
  choose: '选择文件',
  formats: (mib: number) => `支持 Excel 工作簿（.xlsx）和 CSV（UTF-8 或 GBK 编码），不超过 ${mib} MiB。第一行为列名，与本系统“下载 Excel / 下载 CSV”导出的文件相同；多余的列不读取。`,
  repeatSafe: '同一文件重复导入不会重复登记。建议先“试导入”检查，再正式导入。',
  cannot: '无法导入',
  kind: '导入内容',
  needed: (kind: string, columns: string[]) => `${kind}须有的列：${columns.join('、')}`,
  file: '文件',
  dryRun: '试导入（只检查，不写入）',
  start: '开始',
  noKind: '请选择导入内容',
  noFile: '请选择要导入的文件',
  tooLarge: (mib: number) => `上传的文件不能超过 ${mib} MiB；更大的文件请拆分，或由管理员用命令 npm run import 导入。`,
  problemColumns: ['行号', '列', '问题'],
  /** The live count's words, handed to /static/import.js on the page (it has no copy of its own). */
  live: {
    uploading: '正在上传……',
    failed: '导入失败（状态 {status}）',
    cannot: '无法导入：',
    networkLost: '网络中断，导入结果未知：请刷新后用“试导入”核对（重复导入不会重复登记）。',
  },
  progress: (p: { phase: 'checking' | 'writing' | 'done'; done: number; total: number; created: number; skipped: number }) =>
    `${{ checking: '正在检查', writing: '正在写入', done: '已完成' }[p.phase]}：${p.done} / ${p.total} 行${p.phase === 'writing' ? `（已导入 ${p.created}，跳过 ${p.skipped}）` : ''}`,
  summary: (r: { dryRun: boolean; total: number; created: number; skipped: number; problems: unknown[] }, refused: boolean) =>
    r.dryRun
      ? `试导入完成：共 ${r.total} 行，可导入 ${r.created} 行，已存在而跳过 ${r.skipped} 行，问题 ${r.problems.length} 处。未写入任何记录。`
      : refused
        ? `共 ${r.total} 行，发现 ${r.problems.length} 处问题，未导入任何记录。请修改后重新导入。`
        : `导入完成：共 ${r.total} 行，已导入 ${r.created} 行，已存在而跳过 ${r.skipped} 行${r.problems.length ? `，${r.problems.length} 处问题未导入` : ''}。`,
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
    descriptionHint: (max: number) => `请简单说明经过和您的诉求，最多 ${max} 字。`,
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
  noReceiptTitle: '这里没有可显示的回执',
  noReceipt: (minutes: number) =>
    `回执码只在提交成功后的 ${minutes} 分钟内、在提交时所用的浏览器上显示。如果您已经提交成功，内容已经保存，不必重新提交；请用记下的回执码和手机号码后 4 位查询办理进度。没有记下回执码的，请联系下方的联络站。`,
  submitAnother: '反映另一件纠纷',
  lookUpTitle: '查询办理进度',
  lookUpLead: '请输入提交后得到的回执码，以及提交时所留手机号码的后 4 位。',
  lookUpReceipt: '回执码',
  lookUpPhone: '手机号码后 4 位',
  lookUpSubmit: '查询',
  statusWords: {
    pending: '已收到，正在等待联络站处理。',
    declined: '联络站经审查后未登记为案件。',
    case: '已登记为案件。',
  } as Record<string, string>,
  declinedCall: (station: string) => `如有疑问，请拨打${station}热线：`,
  declinedVisit: (station: string, address?: string | null) => `如有疑问，请到${station}咨询${address ? `（地址：${address}）` : ''}。`,
  declinedAskStation: '如有疑问，请联系提交时所在的联络站。',
  caseNumber: '案件编号',
  caseState: '办理状态',
  nextDate: '下一个日期',
  notFound: '没有找到与该回执码和手机号码后 4 位相符的记录。请核对后再试。',
  backToForm: '返回',
  refused: '提交未成功',
  lookUpFailed: '查询未成功',
  nothingStored: '本次提交的内容没有保存。',
  honeypotFilled: '提交未被接受。请刷新页面后重新填写，不要填写标明“请勿填写”的一栏。',
  tooLarge: (chars: number) => `填写的内容过长，请精简后再提交（网页表单总共不超过约 ${chars} 字）。`,
  unknownStation: '没有找到这个联络站。请核对二维码，或拨打 12345 咨询。',
  retiredStationTitle: '联络站已停用',
  retiredStation: (name: string) => `${name}已停用，不再受理网上来件。请前往其他人大代表联络站，或拨打 12345 咨询。`,
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
  /** An accepted submission: the citizen's name and phone are no longer kept with it (DESIGN.md §10). */
  partiesInCase: '提交人姓名、手机号码和对方姓名已转入案件的当事人信息，来件中不再保存；请打开案件查看。',
  declined: '已记录不予受理',
  openCase: '查看案件',
  fromSubmission: '来自群众扫码提交',
  /** A case's history, where it was opened from a submission (never its id or receipt code: audit d §9). */
  submittedOn: (at: string) => `群众于 ${at} 扫码提交`,
  submittedUnknown: '群众扫码提交',
  openSubmission: '查看来件',
  submissionTitle: '扫码来件详情',
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
    case 'daily_digest': {
      // `number` is the day (Shanghai); items are the deputy's to-do as it stood that morning.
      // Digests stored before the engine returned data carry their line as `title`.
      const items = Array.isArray(params.items) ? (params.items as (TodoWords & { number?: string; title?: string; dueAt?: string })[]) : [];
      const lines = items.map((i) => `${i.kind === 'session' ? `${beijingMinute(i.dueAt)} ` : ''}${i.title ?? todoTitle(i)}（案件 ${i.number ?? ''}）`);
      return { title: `${number} 每日提醒：${items.length} 项待办`, body: lines.join('；') + (lines.length ? '。' : '') };
    }
    default:
      return { title: `消息：${number}`, body: '' };
  }
}
