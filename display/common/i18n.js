// i18n.js — every word the pages show, in zh-CN and en, and the language switch.
//
// Markup names its strings with data-i18n="key" (text), data-i18n-label
// (aria-label), data-i18n-placeholder and data-i18n-title; applyI18n()
// fills them in. Scripts use t(key, {name: value}) for strings with
// parameters. The language is the visitor's last choice (localStorage),
// else the branch's first language from /api/v1/info, else English.

const STRINGS = {
  'zh-CN': {
    'lang.name': '中文',
    'lang.switch': '语言',
    'common.offline': '连接中断，正在重连…',
    'common.loading': '正在加载…',
    'common.network': '无法连接服务器，请稍后再试。',
    'common.skip': '跳到主要内容',

    'home.title': 'fairq 排队系统',
    'home.lead': '本网点的公平排队系统。',
    'home.display': '大厅叫号屏',
    'home.display.desc': '在等候大厅显示正在叫的号码和窗口，并语音播报。',
    'home.kiosk': '取号机',
    'home.kiosk.desc': '客户选择业务并取号。需要取号机令牌：/kiosk/?token=…',
    'home.counter': '柜台工作台',
    'home.counter.desc': '叫号、重呼、转移，查看完整队列。需要员工令牌：/counter/?token=…',
    'home.audit': '审计',
    'home.audit.desc': '各类别的等候时间和事件日志的完整性。',
    'home.ticket': '查看排队进度：请扫描号票上的二维码。',

    'display.title': '叫号屏',
    'display.nowCalling': '正在叫号',
    'display.recent': '最近叫号',
    'display.counter': '窗口',
    'display.toCounter': '{number} 号请到 {counter} 号窗口',
    'display.waiting': '等候人数',
    'display.none': '暂无叫号',
    'display.enableSound': '点击开启声音',
    'display.soundOn': '声音已开启',
    'display.announce': '请 {number} 号到 {counter} 号窗口',

    'kiosk.title': '取号',
    'kiosk.chooseService': '请选择业务',
    'kiosk.priority.button': '需要优先服务',
    'kiosk.priority.hint': '适用于老年人、残障人士和孕妇',
    'kiosk.priority.title': '优先服务',
    'kiosk.priority.lead': '请选择适用于您的情况。此信息只用于安排办理顺序，不会显示在任何屏幕或号票上。',
    'kiosk.priority.chosen': '优先服务：{reason}',
    'kiosk.priority.choose': '请选择业务',
    'kiosk.priority.cancel': '改为普通取号',
    'kiosk.back': '返回',
    'kiosk.issuing': '正在出票…',
    'kiosk.ticket.yourNumber': '您的号码',
    'kiosk.ticket.issued': '取号时间 {time}',
    'kiosk.ticket.watch': '请留意大屏叫号和语音播报。',
    'kiosk.ticket.scan': '用手机扫码，随时查看排队进度',
    'kiosk.ticket.print': '打印号票',
    'kiosk.ticket.done': '完成',
    'kiosk.ticket.returning': '{n} 秒后返回首页',
    'kiosk.err.rate': '取号过于频繁，请稍候片刻再试。',
    'kiosk.err.token': '本机尚未配置（缺少或无效的取号机令牌），请联系工作人员。',
    'kiosk.err.generic': '暂时无法取号：{message}',
    'kiosk.noServices': '暂无可办理的业务。',

    'wait.unknown': '暂无预计等候时间',
    'wait.lessThanMinute': '预计等候不到 1 分钟',
    'wait.minutes': '预计等候约 {n} 分钟',
    'wait.note': '根据当前排队情况估算，可能会变化。',

    'reason.elderly': '老年人',
    'reason.disabled': '残障人士',
    'reason.pregnant': '孕妇',
    'class.vip': '贵宾',
    'class.priority': '优先',
    'class.regular': '普通',

    'status.waiting': '等候中',
    'status.called': '已叫号',
    'status.serving': '办理中',
    'status.done': '已办结',
    'status.no_show': '过号',
    'status.cancelled': '已取消',
    'status.closed': '已关闭',

    'ticket.title': '您的排队号',
    'ticket.number': '号码',
    'ticket.status': '状态',
    'ticket.goTo': '请到窗口',
    'ticket.counterN': '{counter} 号窗口',
    'ticket.long.waiting': '正在等候，请留意叫号。',
    'ticket.long.called': '已叫到您的号码，请前往窗口。',
    'ticket.long.serving': '正在为您办理。',
    'ticket.long.done': '业务已办结，谢谢光临。',
    'ticket.long.no_show': '您的号码已叫过但未到场，请联系工作人员。',
    'ticket.long.cancelled': '此号已取消。',
    'ticket.long.closed': '本营业日已结束，此号已关闭。',
    'ticket.issued': '取号时间 {time}',
    'ticket.calledAt': '叫号时间 {time}',
    'ticket.cancel': '取消排队',
    'ticket.confirm': '确定取消此号吗？取消后将失去排队位置。',
    'ticket.confirmYes': '确定取消',
    'ticket.confirmNo': '保留此号',
    'ticket.cancelled': '已取消。',
    'ticket.cancelFailed': '无法取消：{message}',
    'ticket.notFound': '找不到此号。请检查号票上的链接。',
    'ticket.updated': '更新于 {time}',
    'ticket.live': '本页面会自动更新。',

    'counter.title': '柜台工作台',
    'counter.counter': '窗口',
    'counter.state': '窗口状态',
    'counter.stateIs': '状态：{state}',
    'counter.state.open': '开放',
    'counter.state.paused': '暂停',
    'counter.state.closed': '关闭',
    'counter.open': '开启',
    'counter.pause': '暂停',
    'counter.close': '关闭',
    'counter.next': '叫下一位',
    'counter.recall': '重呼',
    'counter.noShow': '过号',
    'counter.start': '开始办理',
    'counter.complete': '办结',
    'counter.transfer': '转移',
    'counter.transferTo': '转至业务',
    'counter.current': '当前号码',
    'counter.noTicket': '无',
    'counter.manual': '手动叫号',
    'counter.manual.ticket': '号码',
    'counter.manual.reason': '原因（必填）',
    'counter.manual.warn': '请勿填写姓名、电话等个人信息。',
    'counter.manual.call': '叫此号',
    'counter.manual.needReason': '请填写手动叫号的原因。',
    'counter.manual.needTicket': '请选择一个等候中的号码。',
    'counter.queue': '排队列表',
    'counter.col.number': '号码',
    'counter.col.service': '业务',
    'counter.col.class': '类别',
    'counter.col.reason': '原因',
    'counter.col.status': '状态',
    'counter.col.wait': '已等候',
    'counter.col.counter': '窗口',
    'counter.overdue': '超时',
    'counter.emptyQueue': '目前无人等候。',
    'counter.waitingCount': '等候 {n} 人',
    'counter.policy': '调度策略：{policy}',
    'counter.alarm': '等候超时告警：{ticket} 已超过等候上限（自 {since} 起）。请尽快叫号。',
    'counter.alarmList': '等候超时告警：{tickets} 已超过等候上限（自 {since} 起）。请尽快叫号。',
    'counter.counters': '各窗口',
    'counter.called': '已叫 {number}',
    'counter.nobody': '本窗口的业务暂无人等候。',
    'counter.done': '完成：{action}',
    'counter.conflict': '当前状态不允许此操作：{message}',
    'counter.error': '操作失败：{message}',
    'counter.shortcuts': '快捷键：N 叫下一位 · R 重呼 · S 开始办理 · C 办结 · X 过号',
    'counter.token.title': '员工登录',
    'counter.token.label': '员工令牌',
    'counter.token.use': '使用此令牌',
    'counter.token.hint': '请用 /counter/?token=… 打开本页，或在此粘贴员工令牌。',
    'counter.token.rejected': '令牌被拒绝。请获取有效的员工令牌。',
    'counter.token.forget': '退出登录',
    'counter.live': '实时',

    'audit.title': '审计报告',
    'audit.token.title': '审计员登录',
    'audit.token.label': '审计员令牌',
    'audit.token.use': '使用此令牌',
    'audit.token.hint': '请用 /audit/?token=… 打开本页，或在此粘贴审计员令牌。令牌只保存在本浏览器中。',
    'audit.token.rejected': '令牌被拒绝（HTTP {status}）。请输入有效的审计员令牌。',
    'audit.token.forget': '退出登录',
    'audit.range.from': '起始营业日',
    'audit.range.to': '截止营业日',
    'audit.range.today': '今天',
    'audit.range.month': '本月',
    'audit.range.all': '全部记录',
    'audit.range.show': '生成报告',
    'audit.range.bad': '起始日晚于截止日。',
    'audit.range.hint': '含首尾两天；留空表示从日志的第一天或到最后一天。',
    'audit.loading': '正在根据事件日志计算报告…',
    'audit.download': '下载：',
    'audit.download.html': 'HTML 报告',
    'audit.download.csv': 'CSV（每张号票一行）',
    'audit.download.json': 'JSON',
    'audit.download.failed': '下载失败：{message}',
    'audit.err.network': '无法连接 fairq 服务器。请检查网络后重试。',
    'audit.err.busy': '服务器正在生成另一份报告，{seconds} 秒后自动重试……',
    'audit.err.server': '服务器无法生成报告（HTTP {status}）：{message}',
    'audit.period': '营业日 {from} 至 {to}',
    'audit.period.none': '日志中还没有营业日。',
    'audit.generated': '{time} 根据事件日志计算（网点时间）。',
    'audit.chain.title': '事件日志',
    'audit.chain.ok': '日志完整',
    'audit.chain.bad': '日志在第 {seq} 条事件处损坏',
    'audit.chain.okDetail': '全部 {events} 条事件都与前一条正确相链（SHA-256 哈希链）。',
    'audit.chain.badDetail': '第 {seq} 条事件（或之前的事件）在写入后被修改、删除或调换了顺序。下面的数字是被改动后的日志所呈现的内容。',
    'audit.chain.head': '链头哈希',
    'audit.chain.events': '事件数',
    'audit.chain.note': '请把链头哈希记录在本服务器之外：只要日后的日志仍包含此链头，就证明到此为止的记录没有被改写。',
    'audit.empty': '此期间没有号票。',
    'audit.summary.served': '已服务',
    'audit.summary.noShow': '过号',
    'audit.summary.cancelled': '已取消',
    'audit.summary.manual': '手动叫号',
    'audit.summary.breaches': '超时（饥饿）次数',
    'audit.summary.jain': 'Jain 公平指数',
    'audit.classes': '按类别',
    'audit.col.class': '类别',
    'audit.col.served': '已服务',
    'audit.col.noShow': '过号',
    'audit.col.cancelled': '已取消',
    'audit.col.mean': '平均等候（秒）',
    'audit.col.p50': 'p50（秒）',
    'audit.col.p90': 'p90（秒）',
    'audit.col.p95': 'p95（秒）',
    'audit.col.max': '最长（秒）',
    'audit.col.overTarget': '超目标（%）',
    'audit.col.breaches': '超时（饥饿）',
    'audit.col.manual': '手动叫号',
    'audit.col.overtaken': '被超越（平均）',
    'audit.col.estimate': '预计误差（秒）',
    'audit.col.day': '营业日',
    'audit.charts': '图表',
    'audit.chart.waits': '各类别等候时间',
    'audit.chart.hours': '按取号时段的平均等候',
    'audit.chart.days': '每个营业日的服务人数',
    'audit.chart.noData': '没有已服务的号票可画。',
    'audit.chart.seconds': '秒',
    'audit.chart.minutes': '分钟',
    'audit.chart.hour': '取号时段（网点时间）',
    'audit.chart.tickets': '人数',
    'audit.stat.mean': '平均',
    'audit.manual.title': '手动叫号（越过排队顺序）',
    'audit.manual.none': '此期间没有手动叫号。',
    'audit.manual.time': '时间（网点时间）',
    'audit.manual.number': '号码',
    'audit.manual.counter': '窗口',
    'audit.manual.reason': '员工填写的原因',
    'audit.services': '按业务',
    'audit.service': '业务 {id}（{name}）',
    'audit.days': '按营业日',
    'audit.days.none': '无号票',
    'audit.defs': '指标定义',
    'audit.defs.more': '可下载的 HTML 报告附有同样的定义；完整说明见 fairq 源代码中的 docs/audit.md。',
    'audit.def.wait': '等候：从取号到第一次叫号的时间（秒，精确到毫秒）。重呼和转移后的再次叫号不计。',
    'audit.def.served': '已服务：被叫号且第一次叫号时客户到场（不是过号）的号票。所有等候数字都只统计已服务的号票。',
    'audit.def.noShow': '过号 / 已取消：最终结果为过号的号票；在等候中被取消的号票。',
    'audit.def.pct': '平均、p50、p90、p95、最长：对已服务号票精确计算。p 分位数取“最近秩”：至少 p% 的等候不超过它的最小等候时间。',
    'audit.def.overTarget': '超目标：等候时间超过该类别 target_wait 的已服务号票所占百分比。',
    'audit.def.breaches': '超时（饥饿）：设有等候上限 L 的类别中，等候达到 L 的号票数（已服务的按其等候；从未被叫的按取消、日终关闭或日志结束前的时间）。',
    'audit.def.manual': '手动叫号：员工按号码直接叫号（越过调度顺序），每次都记录员工填写的原因。',
    'audit.def.overtaken': '被超越：同一营业日、同一业务中，比它晚取号却比它先被叫的号票数；取该组所有号票的平均。',
    'audit.def.estimate': '预计误差：已服务号票的 |取号时给出的预计等候 − 实际等候| 的平均值（秒）。',
    'audit.cli.title': '在服务器上核对',
    'audit.cli.verify': '不依赖本页面，独立重新计算哈希链（只读，服务运行时也可执行）：',
    'audit.cli.report': '从命令行生成同一份报告：',
    'audit.def.jain': 'Jain 公平指数：(Σx)² / (n·Σx²)，对有已服务号票的类别计算，x = 平均等候 / 目标等候。1 表示各类别离目标一样远。'
  },
  en: {
    'lang.name': 'English',
    'lang.switch': 'Language',
    'common.offline': 'Offline — reconnecting…',
    'common.loading': 'Loading…',
    'common.network': 'Cannot reach the server. Please try again shortly.',
    'common.skip': 'Skip to main content',

    'home.title': 'fairq',
    'home.lead': 'Fair queueing for this branch.',
    'home.display': 'Lobby screen',
    'home.display.desc': 'Shows which number goes to which counter, and announces it.',
    'home.kiosk': 'Ticket kiosk',
    'home.kiosk.desc': 'Customers choose a service and take a ticket. Needs a kiosk token: /kiosk/?token=…',
    'home.counter': 'Staff console',
    'home.counter.desc': 'Call, recall, transfer, and the whole queue. Needs a staff token: /counter/?token=…',
    'home.audit': 'Audit',
    'home.audit.desc': 'Wait times per class and the integrity of the event log.',
    'home.ticket': 'To follow a ticket, scan the QR code printed on it.',

    'display.title': 'Now calling',
    'display.nowCalling': 'Now calling',
    'display.recent': 'Recent calls',
    'display.counter': 'Counter',
    'display.toCounter': '{number} to counter {counter}',
    'display.waiting': 'Waiting',
    'display.none': 'No calls yet',
    'display.enableSound': 'Click to enable sound',
    'display.soundOn': 'Sound on',
    'display.announce': 'Ticket {number}, please go to counter {counter}',

    'kiosk.title': 'Take a ticket',
    'kiosk.chooseService': 'Choose a service',
    'kiosk.priority.button': 'I need priority service',
    'kiosk.priority.hint': 'For older customers, customers with a disability, and pregnant customers',
    'kiosk.priority.title': 'Priority service',
    'kiosk.priority.lead': 'Please choose what applies to you. It is used only to order the queue and never appears on any screen or ticket.',
    'kiosk.priority.chosen': 'Priority service: {reason}',
    'kiosk.priority.choose': 'Now choose a service',
    'kiosk.priority.cancel': 'Take a regular ticket instead',
    'kiosk.back': 'Back',
    'kiosk.issuing': 'Issuing your ticket…',
    'kiosk.ticket.yourNumber': 'Your number',
    'kiosk.ticket.issued': 'Issued at {time}',
    'kiosk.ticket.watch': 'Please watch the screens and listen for your number.',
    'kiosk.ticket.scan': 'Scan to follow your ticket on your phone',
    'kiosk.ticket.print': 'Print ticket',
    'kiosk.ticket.done': 'Done',
    'kiosk.ticket.returning': 'Back to the start in {n} s',
    'kiosk.err.rate': 'Too many tickets at once. Please wait a moment and try again.',
    'kiosk.err.token': 'This kiosk is not set up (kiosk token missing or rejected). Please ask staff.',
    'kiosk.err.generic': 'Could not issue a ticket: {message}',
    'kiosk.noServices': 'No services are available.',

    'wait.unknown': 'No wait estimate yet',
    'wait.lessThanMinute': 'Estimated wait: less than a minute',
    'wait.minutes': 'Estimated wait: about {n} minutes',
    'wait.note': 'Estimated from the current queue; it can change.',

    'reason.elderly': 'Older customer',
    'reason.disabled': 'Disability',
    'reason.pregnant': 'Pregnancy',
    'class.vip': 'VIP',
    'class.priority': 'Priority',
    'class.regular': 'Regular',

    'status.waiting': 'Waiting',
    'status.called': 'Called',
    'status.serving': 'Being served',
    'status.done': 'Done',
    'status.no_show': 'Missed',
    'status.cancelled': 'Cancelled',
    'status.closed': 'Closed',

    'ticket.title': 'Your ticket',
    'ticket.number': 'Number',
    'ticket.status': 'Status',
    'ticket.goTo': 'Please go to',
    'ticket.counterN': 'Counter {counter}',
    'ticket.long.waiting': 'You are in the queue. Please listen for your number.',
    'ticket.long.called': 'Your number has been called. Please go to the counter.',
    'ticket.long.serving': 'You are being served.',
    'ticket.long.done': 'Finished. Thank you for visiting.',
    'ticket.long.no_show': 'Your number was called but you were not there. Please ask staff.',
    'ticket.long.cancelled': 'This ticket was cancelled.',
    'ticket.long.closed': 'The business day has ended; this ticket is closed.',
    'ticket.issued': 'Issued at {time}',
    'ticket.calledAt': 'Called at {time}',
    'ticket.cancel': 'Cancel my ticket',
    'ticket.confirm': 'Cancel this ticket? You will lose your place in the queue.',
    'ticket.confirmYes': 'Yes, cancel it',
    'ticket.confirmNo': 'Keep my ticket',
    'ticket.cancelled': 'Cancelled.',
    'ticket.cancelFailed': 'Could not cancel: {message}',
    'ticket.notFound': 'Ticket not found. Please check the link on your ticket.',
    'ticket.updated': 'Updated {time}',
    'ticket.live': 'This page updates by itself.',

    'counter.title': 'Counter console',
    'counter.counter': 'Counter',
    'counter.state': 'Counter state',
    'counter.stateIs': 'State: {state}',
    'counter.state.open': 'Open',
    'counter.state.paused': 'Paused',
    'counter.state.closed': 'Closed',
    'counter.open': 'Open',
    'counter.pause': 'Pause',
    'counter.close': 'Close',
    'counter.next': 'Call next',
    'counter.recall': 'Recall',
    'counter.noShow': 'No-show',
    'counter.start': 'Start service',
    'counter.complete': 'Complete',
    'counter.transfer': 'Transfer',
    'counter.transferTo': 'Transfer to service',
    'counter.current': 'Current ticket',
    'counter.noTicket': 'None',
    'counter.manual': 'Manual call',
    'counter.manual.ticket': 'Ticket',
    'counter.manual.reason': 'Reason (required)',
    'counter.manual.warn': 'Do not enter names, phone numbers or other personal data.',
    'counter.manual.call': 'Call this ticket',
    'counter.manual.needReason': 'Please give a reason for the manual call.',
    'counter.manual.needTicket': 'Please choose a waiting ticket.',
    'counter.queue': 'Queue',
    'counter.col.number': 'Number',
    'counter.col.service': 'Service',
    'counter.col.class': 'Class',
    'counter.col.reason': 'Reason',
    'counter.col.status': 'Status',
    'counter.col.wait': 'Waited',
    'counter.col.counter': 'Counter',
    'counter.overdue': 'overdue',
    'counter.emptyQueue': 'Nobody is waiting.',
    'counter.waitingCount': '{n} waiting',
    'counter.policy': 'Policy: {policy}',
    'counter.alarm': 'Starvation alarm: {ticket} has waited past its limit (since {since}). Please call it soon.',
    'counter.alarmList': 'Starvation alarm: {tickets} waited past the limit (since {since}). Please call them soon.',
    'counter.counters': 'Counters',
    'counter.called': 'Called {number}',
    'counter.nobody': 'Nobody is waiting for this counter\u2019s services.',
    'counter.done': 'Done: {action}',
    'counter.conflict': 'Not possible now: {message}',
    'counter.error': 'Failed: {message}',
    'counter.shortcuts': 'Shortcuts: N next · R recall · S start · C complete · X no-show',
    'counter.token.title': 'Staff sign-in',
    'counter.token.label': 'Staff token',
    'counter.token.use': 'Use this token',
    'counter.token.hint': 'Open this page as /counter/?token=… or paste the staff token here.',
    'counter.token.rejected': 'Token rejected. Please get a valid staff token.',
    'counter.token.forget': 'Sign out',
    'counter.live': 'Live',

    'audit.title': 'Audit report',
    'audit.token.title': 'Auditor sign-in',
    'audit.token.label': 'Auditor token',
    'audit.token.use': 'Use this token',
    'audit.token.hint': 'Open this page as /audit/?token=… or paste the auditor token here. It is kept in this browser only.',
    'audit.token.rejected': 'Token rejected (HTTP {status}). Enter a valid auditor token.',
    'audit.token.forget': 'Sign out',
    'audit.range.from': 'From business day',
    'audit.range.to': 'To business day',
    'audit.range.today': 'Today',
    'audit.range.month': 'This month',
    'audit.range.all': 'Whole log',
    'audit.range.show': 'Show report',
    'audit.range.bad': 'The start date is after the end date.',
    'audit.range.hint': 'Both days included; leave a side empty for the first or last day in the log.',
    'audit.loading': 'Computing the report from the event log…',
    'audit.download': 'Download:',
    'audit.download.html': 'HTML report',
    'audit.download.csv': 'CSV (one row per ticket)',
    'audit.download.json': 'JSON',
    'audit.download.failed': 'Download failed: {message}',
    'audit.err.network': 'Cannot reach the fairq server. Check the connection and try again.',
    'audit.err.busy': 'The server is preparing another report; trying again in {seconds} s…',
    'audit.err.server': 'The server could not produce the report (HTTP {status}): {message}',
    'audit.period': 'Business days {from} to {to}',
    'audit.period.none': 'The log has no business days yet.',
    'audit.generated': 'Computed at {time} (branch time) from the event log alone.',
    'audit.chain.title': 'Event log',
    'audit.chain.ok': 'Log intact',
    'audit.chain.bad': 'Log broken at event {seq}',
    'audit.chain.okDetail': 'Each of the {events} events links correctly to the one before it (SHA-256 chain).',
    'audit.chain.badDetail': 'Event {seq}, or one before it, was altered, deleted or reordered after it was written. The figures below are what the altered log says.',
    'audit.chain.head': 'Chain head',
    'audit.chain.events': 'Events',
    'audit.chain.note': 'Write the head down outside this server: a later log that still contains this head unchanged proves that the history up to it was not rewritten.',
    'audit.empty': 'No tickets in this period.',
    'audit.summary.served': 'Served',
    'audit.summary.noShow': 'No-shows',
    'audit.summary.cancelled': 'Cancelled',
    'audit.summary.manual': 'Manual calls',
    'audit.summary.breaches': 'Starvation breaches',
    'audit.summary.jain': 'Jain\'s index',
    'audit.classes': 'Per class',
    'audit.col.class': 'Class',
    'audit.col.served': 'Served',
    'audit.col.noShow': 'No-show',
    'audit.col.cancelled': 'Cancelled',
    'audit.col.mean': 'Mean wait (s)',
    'audit.col.p50': 'p50 (s)',
    'audit.col.p90': 'p90 (s)',
    'audit.col.p95': 'p95 (s)',
    'audit.col.max': 'Max (s)',
    'audit.col.overTarget': 'Over target (%)',
    'audit.col.breaches': 'Starvation breaches',
    'audit.col.manual': 'Manual calls',
    'audit.col.overtaken': 'Overtaken (mean)',
    'audit.col.estimate': 'Estimate error (s)',
    'audit.col.day': 'Business day',
    'audit.charts': 'Charts',
    'audit.chart.waits': 'Waits per class',
    'audit.chart.hours': 'Mean wait by hour of issue',
    'audit.chart.days': 'Tickets served per business day',
    'audit.chart.noData': 'No served tickets to draw.',
    'audit.chart.seconds': 'seconds',
    'audit.chart.minutes': 'minutes',
    'audit.chart.hour': 'hour of issue (branch time)',
    'audit.chart.tickets': 'tickets',
    'audit.stat.mean': 'mean',
    'audit.manual.title': 'Manual calls (overrides)',
    'audit.manual.none': 'No manual calls in this period.',
    'audit.manual.time': 'Time (branch time)',
    'audit.manual.number': 'Ticket',
    'audit.manual.counter': 'Counter',
    'audit.manual.reason': 'Reason given by staff',
    'audit.services': 'Per service',
    'audit.service': 'Service {id} ({name})',
    'audit.days': 'Per business day',
    'audit.days.none': 'no tickets',
    'audit.defs': 'Definitions',
    'audit.defs.more': 'The downloadable HTML report carries the same definitions; docs/audit.md in the fairq source has the full ones.',
    'audit.def.wait': 'Wait: time from the ticket\'s issue to its first call, in seconds (millisecond resolution). Recalls and calls after a transfer do not count.',
    'audit.def.served': 'Served: tickets that were called and whose first call was not a no-show. Every wait figure is over served tickets only.',
    'audit.def.noShow': 'No-show / cancelled: tickets whose final outcome was a no-show; tickets cancelled while waiting.',
    'audit.def.pct': 'Mean, p50, p90, p95, max: exact over the served tickets. Percentile p is the nearest rank: the smallest wait with at least p % of the waits at or below it.',
    'audit.def.overTarget': 'Over target: percentage of served tickets that waited longer than their class\'s target_wait.',
    'audit.def.breaches': 'Starvation breaches: tickets of a class with a starvation limit L > 0 whose waiting reached L (served tickets by their wait; never-called ones by the time until they were cancelled, closed at day end, or the log ended).',
    'audit.def.manual': 'Manual calls: a ticket called by its number, outside the scheduling order; each one is logged with the reason staff typed.',
    'audit.def.overtaken': 'Overtaken: for each ticket, how many tickets of the same business day and service, issued after it, were called before it; the mean over every ticket of the group.',
    'audit.def.estimate': 'Estimate error: mean of |wait estimated at issue \u2212 actual wait| over served tickets, seconds.',
    'audit.cli.title': 'Check on the server',
    'audit.cli.verify': 'Recompute the hash chain independently of this page (read-only, safe while the server runs):',
    'audit.cli.report': 'The same report from the command line:',
    'audit.def.jain': 'Jain\'s index: (\u03a3x)\u00b2 / (n\u00b7\u03a3x\u00b2) over the classes with served tickets, x = mean wait / target wait. 1 means every class is equally far from its target.'
  }
};

export const SUPPORTED = Object.keys(STRINGS);
const STORAGE_KEY = 'fairq.lang';
let current = 'en';

// Returns the string for key in `lang` (default: the current language) with
// {name} placeholders replaced; falls back to English, then to the key.
export function t(key, params, lang) {
  const table = STRINGS[lang || current] || STRINGS.en;
  let s = table[key];
  if (s === undefined) s = STRINGS.en[key];
  if (s === undefined) return key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m));
  }
  return s;
}

// True when `key` has a translation (used to fall back to raw ids).
export function has(key) {
  return STRINGS.en[key] !== undefined;
}

export function getLang() {
  return current;
}

function pick(lang) {
  if (!lang) return null;
  if (STRINGS[lang]) return lang;
  const base = lang.split('-')[0].toLowerCase();
  for (const l of SUPPORTED) if (l.split('-')[0].toLowerCase() === base) return l;
  return null;
}

// Chooses the language: stored choice, else the first of the branch's
// languages we have strings for, else English. Sets <html lang>.
export function initLang(branchLanguages) {
  let stored = null;
  try {
    stored = window.localStorage.getItem(STORAGE_KEY);
  } catch (e) {
    stored = null;
  }
  let chosen = pick(stored);
  if (!chosen && branchLanguages) {
    for (const l of branchLanguages) {
      chosen = pick(l);
      if (chosen) break;
    }
  }
  current = chosen || 'en';
  document.documentElement.lang = current;
  return current;
}

export function setLang(lang) {
  const l = pick(lang);
  if (!l) return current;
  current = l;
  document.documentElement.lang = l;
  try {
    window.localStorage.setItem(STORAGE_KEY, l);
  } catch (e) {
    // remembered for this visit only
  }
  return l;
}

// Fills every element under root that names a string.
export function applyI18n(root) {
  const r = root || document;
  r.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.getAttribute('data-i18n'));
  });
  r.querySelectorAll('[data-i18n-label]').forEach((el) => {
    el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
  });
  r.querySelectorAll('[data-i18n-placeholder]').forEach((el) => {
    el.setAttribute('placeholder', t(el.getAttribute('data-i18n-placeholder')));
  });
  r.querySelectorAll('[data-i18n-title]').forEach((el) => {
    el.setAttribute('title', t(el.getAttribute('data-i18n-title')));
  });
}

// Builds the language switch into `container`: one button per supported
// language, the branch's languages first. onChange(lang) runs after a switch
// (the page re-renders its dynamic parts).
export function mountLangSwitch(container, branchLanguages, onChange) {
  const order = [];
  (branchLanguages || []).forEach((l) => {
    const p = pick(l);
    if (p && order.indexOf(p) < 0) order.push(p);
  });
  SUPPORTED.forEach((l) => {
    if (order.indexOf(l) < 0) order.push(l);
  });
  container.textContent = '';
  container.setAttribute('role', 'group');
  container.setAttribute('aria-label', t('lang.switch'));
  const buttons = [];
  order.forEach((l) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'lang-btn';
    b.lang = l;
    b.textContent = t('lang.name', null, l);
    b.addEventListener('click', () => {
      setLang(l);
      sync();
      applyI18n(document);
      container.setAttribute('aria-label', t('lang.switch'));
      if (onChange) onChange(l);
    });
    buttons.push(b);
    container.appendChild(b);
  });
  function sync() {
    buttons.forEach((b) => b.setAttribute('aria-pressed', b.lang === current ? 'true' : 'false'));
  }
  sync();
}
