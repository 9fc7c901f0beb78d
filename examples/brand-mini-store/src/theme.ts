import type { StorefrontStore } from '@mujiang/sdk';

/** The white-label look of the store, from `GET /v1/storefront/store` (the store's settings). */
export interface Theme {
  name: string;
  logoUrl: string | null;
  primary: string;
  accent: string;
  supportPhone: string | null;
  currency: string;
  open: boolean;
}

const HEX = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** Only `#rgb` / `#rrggbb` reach the style sheet: a setting can never inject CSS. */
const colour = (value: string | null | undefined, fallback: string) =>
  value && HEX.test(value) ? value : fallback;

/** Only absolute http(s) logo URLs are used. */
const httpUrl = (value: string | null | undefined) => {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
};

export function themeOf(store: StorefrontStore): Theme {
  return {
    name: store.theme.display_name?.trim() || store.name,
    logoUrl: httpUrl(store.theme.logo_url),
    primary: colour(store.theme.primary_color, '#1f2937'),
    accent: colour(store.theme.accent_color, '#f59e0b'),
    supportPhone: store.theme.support_phone,
    currency: store.currency,
    open: store.status === 'active',
  };
}

const digitsCache = new Map<string, number>();

/** Minor units (分) as money: 29900 CNY → ¥299.00. */
export function money(amount: number, currency: string): string {
  let digits = digitsCache.get(currency);
  const format = new Intl.NumberFormat('zh-CN', { style: 'currency', currency });
  if (digits === undefined) {
    digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return format.format(amount / 10 ** digits);
}
