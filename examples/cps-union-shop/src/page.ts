import type { Earnings, ShopState } from './store';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const esc = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** 分 → `¥12.34` (other currencies: `USD 12.34`). */
export function money(minor: number, currency = 'CNY'): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const text = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return currency === 'CNY' ? `${sign}¥${text}` : `${sign}${currency} ${text}`;
}

const STATUS: Record<string, string> = {
  pending: '待确认',
  confirmed: '已确认',
  settled: '已结算',
  reversed: '已失效',
};

export interface LinkRow {
  code: string;
  product_id: string | null;
  share_url: string;
  click_count: number;
  status: string;
}

/** The earnings page (收益): totals, settlements, recent commissions and the affiliate's links. */
export function earningsPage(state: Readonly<ShopState>, e: Earnings, links: LinkRow[] | null): string {
  const settlements = Object.values(state.settlements).sort((a, b) =>
    b.created_at.localeCompare(a.created_at),
  );
  const commissions = Object.values(state.commissions)
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
    .slice(0, 50);
  const cur = e.currency;
  const row = (cells: unknown[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>推手收益 · CPS 联盟小店</title>
<style>
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:960px;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}
.totals{display:flex;gap:1rem;flex-wrap:wrap}.totals div{border:1px solid #ddd;border-radius:8px;padding:.8rem 1rem;min-width:150px}
.totals strong{display:block;font-size:1.4rem}
</style></head>
<body>
<h1>推手收益</h1>
<p>推手 (affiliate) <code>${esc(state.promoter_id ?? '—')}</code> · ${e.commission_count} 笔佣金</p>
<section class="totals" aria-label="earnings">
<div id="pending">待确认 pending<strong>${money(e.pending, cur)}</strong></div>
<div id="confirmed">已确认待结算 confirmed<strong>${money(e.confirmed, cur)}</strong></div>
<div id="settled">已结算 settled<strong>${money(e.settled, cur)}</strong></div>
<div id="paid">已打款 paid<strong>${money(e.paid, cur)}</strong></div>
</section>

<h2>结算单 Settlements</h2>
${
  settlements.length
    ? `<table id="settlements"><thead><tr><th>结算单</th><th>截止</th><th>佣金笔数</th><th>金额</th><th>状态</th><th>打款参考</th></tr></thead><tbody>
${settlements
  .map((s) =>
    row([
      `<code>${esc(s.id)}</code>`,
      esc(s.period_end.slice(0, 10)),
      s.commission_count,
      money(s.amount, s.currency),
      s.status === 'paid' ? `已打款 paid ${esc(s.paid_at?.slice(0, 10))}` : '待打款 pending',
      esc(s.reference ?? ''),
    ]),
  )
  .join('\n')}
</tbody></table>`
    : '<p>还没有结算单 (no settlements yet).</p>'
}

<h2>佣金明细 Commissions</h2>
${
  commissions.length
    ? `<table id="commissions"><thead><tr><th>订单</th><th>成交额</th><th>佣金</th><th>状态</th></tr></thead><tbody>
${commissions
  .map((c) =>
    row([
      `<code>${esc(c.order_id)}</code>`,
      money(c.line_amount, c.currency),
      money(c.final_amount ?? c.amount + c.adjusted_amount, c.currency),
      `${STATUS[c.status] ?? esc(c.status)} ${esc(c.status)}`,
    ]),
  )
  .join('\n')}
</tbody></table>`
    : '<p>还没有佣金 (no commissions yet): share a link below.</p>'
}

<h2>推广链接 Links</h2>
${
  links === null
    ? '<p>(the API is unreachable: links not shown)</p>'
    : links.length
      ? `<table id="links"><thead><tr><th>code</th><th>商品</th><th>点击</th><th>分享链接</th></tr></thead><tbody>
${links
  .map((l) =>
    row([
      `<code>${esc(l.code)}</code>`,
      esc(l.product_id ?? '(store)'),
      l.click_count,
      `<a href="${esc(l.share_url)}">${esc(l.share_url)}</a>`,
    ]),
  )
  .join('\n')}
</tbody></table>`
      : '<p>No links yet: <code>cps-union-shop links</code>.</p>'
}
</body></html>
`;
}
