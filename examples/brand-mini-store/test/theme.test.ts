import type { StorefrontStore } from '@mujiang/sdk';
import { describe, expect, it } from 'vitest';
import { html, raw } from '../src/html';
import { money, themeOf } from '../src/theme';

const store = (theme: Partial<StorefrontStore['theme']>): StorefrontStore => ({
  id: 'store_1',
  object: 'storefront_store',
  name: '木匠旗舰店',
  kind: 'brand',
  status: 'active',
  currency: 'CNY',
  theme: {
    display_name: null,
    logo_url: null,
    primary_color: null,
    accent_color: null,
    support_phone: null,
    ...theme,
  },
});

describe('theme from the store settings', () => {
  it('uses the display name, colours and logo', () => {
    const t = themeOf(
      store({
        display_name: '木匠优选',
        primary_color: '#C8102E',
        logo_url: 'https://cdn.example.com/l.png',
      }),
    );
    expect(t).toMatchObject({
      name: '木匠优选',
      primary: '#C8102E',
      logoUrl: 'https://cdn.example.com/l.png',
    });
  });

  it('never lets a setting inject CSS or a script URL', () => {
    const t = themeOf(
      store({
        primary_color: 'red;}body{display:none',
        accent_color: '#zzz',
        logo_url: 'javascript:alert(1)',
      }),
    );
    expect(t).toMatchObject({ name: '木匠旗舰店', primary: '#1f2937', accent: '#f59e0b', logoUrl: null });
  });
});

describe('html and money', () => {
  it('escapes every value unless it is marked raw', () => {
    const title = '<script>alert("x")</script>';
    expect(html`<h1 title="${title}">${title}</h1>${raw('<br>')}`.value).toBe(
      '<h1 title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</h1><br>',
    );
  });

  it('formats minor units', () => {
    expect(money(29900, 'CNY')).toBe('¥299.00');
    expect(money(500, 'JPY')).toMatch(/500/);
  });
});
