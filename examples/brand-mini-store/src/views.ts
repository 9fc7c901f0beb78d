import type { Cart, Order, StorefrontProduct } from '@mujiang/sdk';
import { type Html, html, raw } from './html';
import { money, type Theme } from './theme';

type Variant = StorefrontProduct['variants'][number];

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2328;background:#f6f6f7}
a{color:inherit}
header.bar{background:var(--primary);color:#fff}
header.bar .in{display:flex;gap:16px;align-items:center;max-width:960px;margin:0 auto;padding:12px 16px}
.brand{display:flex;gap:10px;align-items:center;text-decoration:none;font-weight:700;font-size:18px}
.brand img,.brand .mark{width:36px;height:36px;border-radius:8px;background:#fff;object-fit:contain}
.brand .mark{display:grid;place-items:center;color:var(--primary);font-size:18px}
form.search{flex:1;display:flex}
form.search input{flex:1;border:0;border-radius:18px 0 0 18px;padding:8px 14px;font:inherit}
form.search button{border:0;border-radius:0 18px 18px 0;padding:0 16px;background:var(--accent);color:#1f2328;font:inherit;cursor:pointer}
.cartlink{text-decoration:none;white-space:nowrap}
main{max-width:960px;margin:0 auto;padding:20px 16px 48px}
h1{font-size:22px;margin:4px 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:16px}
.card{background:#fff;border-radius:12px;overflow:hidden;text-decoration:none;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card .body{padding:10px 12px}
.card h2{font-size:15px;margin:0 0 6px;font-weight:600}
.thumb{position:relative;aspect-ratio:1;background:color-mix(in srgb,var(--primary) 12%,#fff);display:grid;place-items:center;font-size:48px;color:var(--primary)}
.thumb img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
.price{color:var(--primary);font-weight:700}
.muted{color:#6b7280;font-size:13px}
.soldout{color:#9ca3af}
.pager{display:flex;gap:12px;justify-content:center;margin:24px 0}
.btn{display:inline-block;border:0;border-radius:22px;padding:10px 22px;background:var(--primary);color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.btn.secondary{background:#fff;color:var(--primary);border:1px solid var(--primary)}
.btn[disabled]{background:#d1d5db;cursor:not-allowed}
.product{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:24px;background:#fff;border-radius:12px;padding:20px}
@media (max-width:700px){.product{grid-template-columns:1fr}}
.opt{margin:14px 0}
.opt .name{font-size:13px;color:#6b7280;margin-bottom:6px}
.chip{display:inline-block;margin:0 6px 6px 0;padding:6px 14px;border:1px solid #d1d5db;border-radius:18px;text-decoration:none;background:#fff}
.chip.selected{border-color:var(--primary);color:var(--primary);font-weight:600;background:color-mix(in srgb,var(--primary) 8%,#fff)}
.chip.unavailable{color:#9ca3af;text-decoration:line-through}
.stock{margin:12px 0;font-weight:600}
.stock.low{color:#b45309}.stock.out{color:#9ca3af}
.tags span{display:inline-block;font-size:12px;background:color-mix(in srgb,var(--accent) 25%,#fff);border-radius:4px;padding:0 6px;margin-right:6px}
table.lines{width:100%;border-collapse:collapse;background:#fff;border-radius:12px;overflow:hidden}
table.lines th,table.lines td{padding:10px 12px;border-bottom:1px solid #eee;text-align:left;vertical-align:middle}
table.lines input[type=number]{width:64px;padding:4px}
.inline{display:inline}
.linkbtn{border:0;background:none;color:#6b7280;text-decoration:underline;cursor:pointer;font:inherit}
.totals{margin:16px 0;text-align:right}
.totals .grand{font-size:20px}
.panel{background:#fff;border-radius:12px;padding:20px;margin-bottom:16px}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.fields label{display:flex;flex-direction:column;font-size:13px;color:#4b5563;gap:4px}
.fields label.wide{grid-column:1/-1}
.fields input{padding:8px 10px;border:1px solid #d1d5db;border-radius:8px;font:inherit}
.fields .err{color:#b91c1c}
.notice{padding:10px 14px;border-radius:8px;margin-bottom:16px;background:color-mix(in srgb,var(--accent) 20%,#fff)}
.notice.error{background:#fee2e2;color:#991b1b}
.done{text-align:center}
.done .check{font-size:48px;color:var(--primary)}
footer{max-width:960px;margin:0 auto;padding:0 16px 32px;color:#6b7280;font-size:13px}
`;

export interface LayoutOptions {
  title: string;
  body: Html;
  q?: string | undefined;
  cartCount?: number | undefined;
}

export function layout(theme: Theme, o: LayoutOptions): string {
  const logo = theme.logoUrl
    ? html`<img src="${theme.logoUrl}" alt="">`
    : html`<span class="mark" aria-hidden="true">${[...theme.name][0] ?? '店'}</span>`;
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} · ${theme.name}</title>
<style>:root{--primary:${raw(theme.primary)};--accent:${raw(theme.accent)}}${raw(STYLE)}</style>
</head>
<body>
<header class="bar"><div class="in">
  <a class="brand" href="/">${logo}<span>${theme.name}</span></a>
  <form class="search" action="/" method="get" role="search">
    <input type="search" name="q" value="${o.q ?? ''}" placeholder="搜索商品" aria-label="搜索商品">
    <button type="submit">搜索</button>
  </form>
  <a class="cartlink" href="/cart">购物车${o.cartCount ? html` (<span data-cart-count>${o.cartCount}</span>)` : ''}</a>
</div></header>
<main>
${theme.open ? '' : html`<div class="notice error">本店暂停营业，暂不接受新订单。</div>`}
${o.body}
</main>
<footer>${theme.name}${theme.supportPhone ? html` · 客服电话 ${theme.supportPhone}` : ''} · Powered by 木匠</footer>
</body>
</html>`.value;
}

function thumb(product: Pick<StorefrontProduct, 'title' | 'media'>): Html {
  const first = product.media[0];
  // The letter shows until the image loads, and stays when it cannot.
  return html`<div class="thumb" aria-hidden="true">${[...product.title][0] ?? ''}${
    first ? html`<img src="${first}" alt="" loading="lazy" onerror="this.remove()">` : ''
  }</div>`;
}

function priceRange(p: StorefrontProduct): string {
  return p.price_min === p.price_max
    ? money(p.price_min, p.currency)
    : `${money(p.price_min, p.currency)} 起`;
}

export interface ListView {
  products: StorefrontProduct[];
  q: string;
  nextCursor: string | null;
  firstPage: boolean;
}

export function productListBody(v: ListView): Html {
  const heading = v.q ? html`搜索 “${v.q}”` : html`全部商品`;
  const query = (extra: Record<string, string>) => {
    const params = new URLSearchParams();
    if (v.q) params.set('q', v.q);
    for (const [k, val] of Object.entries(extra)) params.set(k, val);
    const s = params.toString();
    return s ? `/?${s}` : '/';
  };
  const cards = v.products.map(
    (p) => html`<a class="card" href="/products/${encodeURIComponent(p.id)}" data-product="${p.id}">
  ${thumb(p)}
  <div class="body"><h2>${p.title}</h2>
  <div><span class="price">${priceRange(p)}</span> ${p.in_stock ? '' : html`<span class="soldout">已售罄</span>`}</div></div>
</a>`,
  );
  return html`<h1>${heading}</h1>
${v.products.length ? html`<div class="grid">${cards}</div>` : html`<p class="muted">没有找到相关商品，换个关键词试试。</p>`}
<nav class="pager" aria-label="分页">
  ${v.firstPage ? '' : html`<a class="btn secondary" href="${query({})}">回到第一页</a>`}
  ${v.nextCursor ? html`<a class="btn secondary" rel="next" href="${query({ after: v.nextCursor })}">下一页</a>` : ''}
</nav>`;
}

const sameOptions = (v: Variant, wanted: Map<string, string>) =>
  v.options.every((o) => wanted.get(o.name) === o.value);

/** The variant a chip leads to: the selection with one option changed (or any with that value). */
export function variantFor(product: StorefrontProduct, selected: Variant, name: string, value: string) {
  const wanted = new Map(selected.options.map((o) => [o.name, o.value]));
  wanted.set(name, value);
  const exact = product.variants.find((v) => sameOptions(v, wanted));
  return {
    exact: exact !== undefined,
    variant:
      exact ?? product.variants.find((v) => v.options.some((o) => o.name === name && o.value === value)),
  };
}

function stockLine(v: Variant): Html {
  if (!v.in_stock || v.available <= 0) return html`<div class="stock out" data-stock>缺货</div>`;
  if (v.available <= 5) return html`<div class="stock low" data-stock>仅剩 ${v.available} 件</div>`;
  return html`<div class="stock" data-stock>有货 · 库存 ${v.available} 件</div>`;
}

export function productBody(p: StorefrontProduct, selected: Variant, notice?: string): Html {
  const pickers = p.options.map((option) => {
    const current = selected.options.find((o) => o.name === option.name)?.value;
    const chips = option.values.map((value) => {
      const { exact, variant } = variantFor(p, selected, option.name, value);
      const unavailable = !exact || !variant?.in_stock;
      const classes = ['chip', value === current ? 'selected' : '', unavailable ? 'unavailable' : '']
        .filter(Boolean)
        .join(' ');
      if (!variant) return html`<span class="${classes}">${value}</span>`;
      return html`<a class="${classes}" href="/products/${encodeURIComponent(p.id)}?variant=${encodeURIComponent(variant.id)}"
        aria-current="${value === current ? 'true' : 'false'}" title="${unavailable ? '缺货' : ''}">${value}</a>`;
    });
    return html`<div class="opt" role="group" aria-label="${option.name}"><div class="name">${option.name}</div>${chips}</div>`;
  });
  const soldOut = !selected.in_stock || selected.available <= 0;
  return html`${notice ? html`<div class="notice error" role="alert">${notice}</div>` : ''}
<article class="product">
  ${thumb(p)}
  <div>
    <h1>${p.title}</h1>
    <div class="tags">${p.tags.map((t) => html`<span>${t}</span>`)}</div>
    <p class="price" data-price>${money(selected.price, selected.currency)}</p>
    ${pickers}
    <div class="muted">已选：${selected.options.map((o) => o.value).join(' / ') || '默认'} · SKU ${selected.sku}</div>
    ${stockLine(selected)}
    <form method="post" action="/cart/lines">
      <input type="hidden" name="product_id" value="${p.id}">
      <input type="hidden" name="variant_id" value="${selected.id}">
      <label class="muted">数量 <input type="number" name="quantity" value="1" min="1" max="${Math.max(1, selected.available)}" aria-label="数量"></label>
      <button class="btn" type="submit" ${soldOut ? raw('disabled') : ''}>${soldOut ? '暂时缺货' : '加入购物车'}</button>
    </form>
    ${p.description ? html`<p>${p.description}</p>` : ''}
  </div>
</article>`;
}

const optionText = (options: Array<{ name: string; value: string }>) =>
  options.map((o) => o.value).join(' / ');

const UNSELLABLE: Record<string, string> = {
  unknown_variant: '商品已不存在',
  not_published: '商品已下架',
  currency_mismatch: '币种不符',
};

export function cartBody(cart: Cart | null, notice?: string): Html {
  const top = notice ? html`<div class="notice" role="status">${notice}</div>` : '';
  if (!cart || cart.lines.length === 0) {
    return html`${top}<h1>购物车</h1><div class="panel"><p>购物车还是空的。</p><a class="btn" href="/">去逛逛</a></div>`;
  }
  const currency = cart.currency ?? 'CNY';
  const rows = cart.lines.map(
    (l) => html`<tr data-line="${l.sku}">
  <td><strong>${l.title}</strong><div class="muted">${optionText(l.options)} · ${l.sku}</div>
    ${l.sellable ? '' : html`<div class="notice error">${UNSELLABLE[l.unsellable_reason ?? ''] ?? '不可购买'}</div>`}</td>
  <td>${money(l.unit_price, currency)}</td>
  <td><form class="inline" method="post" action="/cart/lines/${encodeURIComponent(l.variant_id)}/update">
    <input type="number" name="quantity" value="${l.quantity}" min="0" max="9999" aria-label="${l.title} ${optionText(l.options)} 数量">
    <button class="linkbtn" type="submit">更新</button></form></td>
  <td>${money(l.total, currency)}</td>
  <td><form class="inline" method="post" action="/cart/lines/${encodeURIComponent(l.variant_id)}/remove">
    <button class="linkbtn" type="submit" aria-label="删除 ${l.title} ${optionText(l.options)}">删除</button></form></td>
</tr>`,
  );
  return html`${top}<h1>购物车</h1>
<table class="lines"><thead><tr><th>商品</th><th>单价</th><th>数量</th><th>小计</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="totals">
  ${cart.discount_total ? html`<div>优惠 −${money(cart.discount_total, currency)}</div>` : ''}
  <div class="grand">合计 <span class="price" data-cart-total>${money(cart.total, currency)}</span></div>
</div>
<div class="totals"><a class="btn secondary" href="/">继续购物</a> <a class="btn" href="/checkout">去结算</a></div>`;
}

/** The checkout form's fields: the contact and the shipping address (收货地址). */
export const CHECKOUT_FIELDS = [
  ['name', '收货人', 'text', true, 'name'],
  ['phone', '手机号', 'tel', true, 'tel'],
  ['email', '邮箱（接收订单通知）', 'email', false, 'email'],
  ['province', '省份', 'text', true, 'address-level1'],
  ['city', '城市', 'text', true, 'address-level2'],
  ['district', '区县', 'text', false, 'address-level3'],
  ['line1', '详细地址', 'text', true, 'street-address'],
  ['postal_code', '邮编', 'text', false, 'postal-code'],
] as const;

export type CheckoutField = (typeof CHECKOUT_FIELDS)[number][0];
export type CheckoutValues = Partial<Record<CheckoutField, string>>;

export function checkoutBody(
  cart: Cart,
  values: CheckoutValues,
  errors: Partial<Record<CheckoutField, string>>,
  notice?: string,
): Html {
  const currency = cart.currency ?? 'CNY';
  const fields = CHECKOUT_FIELDS.map(
    ([
      name,
      label,
      type,
      required,
      autocomplete,
    ]) => html`<label class="${name === 'line1' ? 'wide' : ''}">${label}${required ? ' *' : ''}
  <input id="f-${name}" name="${name}" type="${type}" autocomplete="${autocomplete}" value="${values[name] ?? ''}" ${required ? raw('required') : ''}
    ${errors[name] ? raw(`aria-invalid="true" aria-describedby="e-${name}"`) : ''}>
  ${errors[name] ? html`<span class="err" id="e-${name}">${errors[name]}</span>` : ''}</label>`,
  );
  const lines = cart.lines.map(
    (l) =>
      html`<div>${l.title} <span class="muted">${optionText(l.options)} × ${l.quantity}</span> <span class="price">${money(l.total, currency)}</span></div>`,
  );
  return html`<h1>结算</h1>
${notice ? html`<div class="notice error" role="alert">${notice}</div>` : ''}
<div class="panel">${lines}<div class="totals grand">应付 <span class="price">${money(cart.total, currency)}</span></div></div>
<form method="post" action="/checkout" class="panel" novalidate>
  <div class="fields">${fields}</div>
  <p class="totals"><button class="btn" type="submit">提交订单</button></p>
</form>`;
}

const ORDER_STATUS: Record<string, string> = {
  pending_payment: '待支付',
  paid: '已支付',
  partially_shipped: '部分发货',
  shipped: '已发货',
  completed: '已完成',
  canceled: '已取消',
};

export function confirmationBody(orderId: string, order: Order | undefined): Html {
  if (!order) {
    return html`<div class="panel done"><div class="check">✓</div><h1>订单已提交</h1><p>订单号 <strong data-order-id>${orderId}</strong></p><a class="btn" href="/">继续购物</a></div>`;
  }
  const a = order.shipping_address;
  const lines = order.lines.map(
    (l) =>
      html`<div>${l.title} <span class="muted">${optionText(l.options)} × ${l.quantity}</span> <span class="price">${money(l.total, order.currency)}</span></div>`,
  );
  return html`<div class="panel done">
  <div class="check">✓</div>
  <h1>下单成功</h1>
  <p>订单号 <strong data-order-id>${order.id}</strong> · ${ORDER_STATUS[order.status] ?? order.status}</p>
  <p>应付 <span class="price grand" data-order-total>${money(order.total, order.currency)}</span>，请在 ${new Date(order.payment_due_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })} 前完成支付。</p>
</div>
<div class="panel">${lines}</div>
${a ? html`<div class="panel"><strong>收货信息</strong><p>${a.name} ${a.phone}<br>${a.province} ${a.city} ${a.district ?? ''} ${a.line1}</p>${order.email ? html`<p class="muted">订单通知将发送至 ${order.email}</p>` : ''}</div>` : ''}
<p class="totals"><a class="btn" href="/">继续购物</a></p>`;
}

export function errorBody(title: string, detail: string, requestId?: string): Html {
  return html`<div class="panel"><h1>${title}</h1><p>${detail}</p>${
    requestId ? html`<p class="muted">请求编号 ${requestId}</p>` : ''
  }<a class="btn" href="/">返回首页</a></div>`;
}
