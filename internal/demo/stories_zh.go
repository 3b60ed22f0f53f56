package demo

import "portico/internal/ticket"

// chineseStories are the tickets of Yunling Tea, a tea company in
// Hangzhou.
func chineseStories() []story {
	return []story{
		{
			requester: "liwei", source: ticket.SourcePortal, ago: 52 * day, owner: "leo",
			priority: "high", product: "Online shop",
			subject: "微信小程序下单后库存没有同步扣减",
			body: "你好，\n\n从昨天开始，微信小程序里下的订单不会扣减后台库存，已经卖完的明前龙井还能继续下单。" +
				"网页商城下单是正常的。麻烦尽快帮忙看一下，谢谢！\n\n李伟",
			steps: []step{
				ask(40*minute, "李先生您好，\n\n感谢您的反馈。麻烦提供一个受影响的订单号。另外想确认一下：小程序最近是否发布过新版本？\n\n刘洋"),
				customer(30*minute, "订单号 YL-20931。小程序前天刚发布了 2.3.0 版本。"),
				note(45*minute, "Mini program 2.3.0 sends sku_code with a trailing space, so the stock lookup finds no "+
					"match. Hotfix: trim sku_code on our side, then deduct stock for the two days of orders."),
				resolve(3*hour, "李先生您好，\n\n问题已经解决。原因是小程序 2.3.0 版本提交的商品编码末尾多了一个空格，"+
					"导致系统匹配不到库存。我们已在服务端做了兼容处理，并补扣了这两天小程序订单对应的库存，明细见附件。\n\n"+
					"如有其他问题，欢迎随时联系我们。\n\n刘洋",
					csvFile("库存调整明细.csv", ',',
						[]string{"商品编码", "商品名称", "调整数量", "涉及订单"},
						[]string{"LJ-MQ-250", "明前龙井 250g", "-12", "YL-20921 等 9 单"},
						[]string{"LJ-MQ-100", "明前龙井 100g", "-7", "YL-20924 等 5 单"},
						[]string{"BLC-200", "碧螺春 200g", "-4", "YL-20926 等 4 单"},
						[]string{"AJBC-50", "安吉白茶 50g", "-9", "YL-20931 等 6 单"},
					)),
			},
		},
		{
			requester: "wang", source: ticket.SourcePortal, ago: 47 * day, owner: "leo",
			priority: "low", product: "Invoicing",
			subject: "如何开具增值税专用发票？",
			body:    "你好，我们有客户需要开增值税专用发票，请问在系统里怎么操作？",
			steps: []step{
				ask(hour, "王女士您好，\n\n在“财务 → 发票 → 新建发票”中，发票类型选择“增值税专用发票”即可。开专票前需要先在"+
					"“财务 → 开票信息”里填写贵公司的税号、开户行和账号。请问开票信息已经填写了吗？\n\n刘洋"),
				customer(2*hour, "开票信息之前已经填好了，按您说的已经开出来了，谢谢！"),
				resolve(15*minute, "不客气！如有其他问题，随时联系我们。"),
			},
		},
		{
			requester: "chenjing", source: ticket.SourceEmail, ago: 34 * day, owner: "leo",
			priority: "medium", product: "Invoicing", reference: "YL-INV-0312",
			subject: "上月账单金额与合同不符",
			body: "您好，\n\n我们上月的账单（YL-INV-0312）金额为 4,860 元，但合同约定的月费是 3,600 元。请核实一下多出来的费用是什么。\n\n" +
				"陈静\n财务部",
			steps: []step{
				note(hour, "They upgraded from Standard to Professional on the 10th; the bill is prorated correctly: "+
					"3,600 × 9/30 + 5,400 × 21/30 = 1,080 + 3,780 = 4,860. Reply with the breakdown."),
				resolve(30*minute, "陈女士您好，\n\n经核实，贵公司于上月10日由标准版升级为专业版（月费 5,400 元），因此上月账单按天折算："+
					"标准版 9 天 1,080 元，专业版 21 天 3,780 元，合计 4,860 元。详细计算见附件。从本月起，月费为专业版的 5,400 元。\n\n"+
					"如有疑问请随时联系。\n\n刘洋",
					csvFile("上月账单明细.csv", ',',
						[]string{"项目", "月费（元）", "计费天数", "金额（元）"},
						[]string{"标准版", "3600", "9", "1080"},
						[]string{"专业版", "5400", "21", "3780"},
						[]string{"合计", "", "30", "4860"},
					)),
			},
		},
		{
			requester: "liwei", source: ticket.SourcePortal, ago: 8 * day, owner: "leo",
			priority: "medium", product: "Online shop",
			subject: "店铺后台打开很慢",
			body:    "你好，这几天店铺后台打开特别慢，订单列表要十几秒才能加载出来。我们这边网络是正常的，其他网站都很快。",
			steps: []step{
				reply(hour, "李先生您好，收到，我们正在排查，请稍等。"),
				note(2*hour, "Slow only from China Telecom in Zhejiang: our East China CDN node is degraded. Moved their "+
					"traffic to the Shanghai node."),
				ask(40*minute, "李先生您好，\n\n我们发现华东地区的一个 CDN 节点出现了故障，已将流量切换到上海节点。请问现在后台打开速度是否恢复正常？\n\n刘洋"),
			},
		},
		{
			requester: "wang", source: ticket.SourcePortal, ago: 5 * day, owner: "leo",
			priority: "high", product: "Point of sale",
			subject: "收银机打印的小票是乱码",
			body:    "你好，店里收银机打印出来的小票中文全是乱码，英文和数字是正常的。昨天还好好的。截图见附件。",
			files:   []attachment{screenshot("小票乱码.png", errorRed)},
			steps: []step{
				ask(hour, "王女士您好，请问小票打印机是什么型号？昨天收银机是否有过系统更新？"),
				customer(30*minute, "打印机是芯烨 XP-58，昨天晚上收银机自动更新了。"),
				note(20*minute, "POS update 7.4 switched receipts to UTF-8; the XP-58 only prints GB18030. Setting the "+
					"per-printer encoding remotely needs one restart of the till."),
				reply(15*minute, "谢谢您提供的信息。原因是昨晚的更新改变了小票的文字编码，而这款打印机需要 GB18030 编码。"+
					"我们今天会为您的收银机单独调整设置，调整后需要重启一次收银机，届时我会提前通知您。"),
			},
		},
		{
			requester: "chenjing", source: ticket.SourcePortal, ago: 47 * hour,
			priority: "low", product: "Invoicing",
			subject: "希望增加中英文双语发票模板",
			body:    "您好，我们有不少海外客户，希望发票能有中英文双语模板。请问有计划支持吗？",
		},
		{
			requester: "liwei", source: ticket.SourcePortal, ago: 14 * hour, owner: "leo",
			priority: "urgent", product: "API",
			subject: "API 调用全部返回 401，密钥没有改过",
			body:    "你好，今天早上开始我们 ERP 调用 API 全部返回 401 Unauthorized，API 密钥一直没有改过。我们的订单同步已经停了，请尽快处理！",
			steps: []step{
				assign(20*minute, "alex"),
				noteBy(5*minute, "alex", "Assigned to Leo. The key they use (prefix pk_8Hq2) was revoked yesterday from their "+
					"own admin login, probably by mistake while removing a former employee."),
			},
		},
	}
}
