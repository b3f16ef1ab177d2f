/**
 * The column headers of the registers (登记簿) jiefen writes and reads: every list's export names
 * its columns with these, and an import finds its columns by the same words, so a file exported
 * from jiefen imports back (DESIGN.md §14).
 */

export const CASE_HEADERS = {
  number: '案号',
  state: '状态',
  outcome: '结案方式',
  overdue: '是否超期',
  track: '案件类型',
  procedure: '审理程序',
  source: '来源渠道',
  stationCode: '联络站代码',
  disputeType: '纠纷类型',
  summary: '纠纷概要',
  claimAmount: '标的金额（元）',
  enforceable: '具有强制执行力',
  enforceableDocument: '执行依据文书',
  owedAmount: '应执行金额（元）',
  recoveredAmount: '执行到位金额（元）',
  applicants: '申请人',
  applicantIds: '申请人证件号码',
  applicantPhones: '申请人电话',
  respondents: '被申请人',
  respondentIds: '被申请人证件号码',
  respondentPhones: '被申请人电话',
  openedAt: '登记时间',
  closedAt: '结案时间',
  updatedAt: '最后办理时间',
} as const;

export const SUPERVISION_HEADERS = {
  number: '编号',
  kind: '监督类型',
  subject: '监督事项',
  respondent: '报告机关',
  state: '状态',
  overdue: '报告是否逾期',
  rating: '评议结果',
  cases: '关联案件数',
  openedAt: '立项时间',
  closedAt: '办结时间',
} as const;

export const ACTIVITY_HEADERS = {
  ref: '编号',
  stationCode: '联络站代码',
  date: '活动日期',
  theme: '活动主题',
  content: '活动内容',
  deputies: '进站代表',
  deputyVisits: '代表进站人次',
  votersReceived: '接待选民人次',
  createdAt: '登记时间',
} as const;

export const STATION_HEADERS = {
  code: '站点代码',
  name: '站点名称',
  kind: '站点类型',
  district: '所在区县',
  hotline: '热线电话',
  address: '地址',
  deputiesOnDuty: '值班代表',
  createdAt: '创建时间',
} as const;

export const DEPUTY_HEADERS = {
  ref: '编号',
  name: '姓名',
  level: '代表层级',
  stationCode: '联络站代码',
  expertise: '专业领域',
  phone: '联系电话',
  createdAt: '创建时间',
} as const;

export const REPORT_HEADERS = { section: '栏目', item: '项目', value: '数值' } as const;

/** Several values in one cell (the parties of one role, a deputy's fields of expertise). */
export const LIST_SEPARATOR = '；';

/**
 * A station's deputies on duty in one cell, and back: `姓名（安排）；姓名`. The schedule is free text
 * (it may hold 、 or ，), so only ； or a new line separates deputies.
 */
export function onDutyCell(list: readonly { name: string; schedule?: string }[]): string {
  return list.map((d) => (d.schedule ? `${d.name}（${d.schedule}）` : d.name)).join(LIST_SEPARATOR);
}
export function onDutyOf(cell: string): { name: string; schedule?: string }[] {
  return cell
    .split(/[；;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(.+?)\s*[（(](.*)[）)]$/s.exec(s);
      return m ? { name: m[1].trim(), ...(m[2].trim() ? { schedule: m[2].trim() } : {}) } : { name: s };
    });
}
/** Deputies present at an activity, by name. */
export const NAME_SEPARATOR = '、';
