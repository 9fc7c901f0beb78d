import type { TenantCtx } from './lib/context';
import { createCategory, listCategories } from './modules/catalog/categories';
import { type BulkItem, bulkProducts, listProducts } from './modules/catalog/service';
import { syncStock } from './modules/inventory/service';

/** The demo tenant's catalog: real-looking goods, prices in 分, sizes and colours, stock. */

interface DemoProduct {
  handle: string;
  category: [string, string];
  item: Omit<BulkItem, 'handle' | 'variants' | 'category_id'>;
  /** Option names, then one row per variant: SKU, option values, stock on hand. */
  options: string[];
  variants: Array<[sku: string, values: string[], onHand: number]>;
  prices: { list_price: number; supply_price: number; retail_floor: number; retail_ceiling: number };
  weight_grams: number;
}

const sizes = (sku: string, colours: Array<[string, string]>, all: string[], stock: number[]) =>
  colours.flatMap(([code, colour], c) =>
    all.map((size, s) => [
      `${sku}-${code}-${size}`,
      [colour, size],
      stock[(c * all.length + s) % stock.length]!,
    ]),
  ) as DemoProduct['variants'];

const DEMO_PRODUCTS: DemoProduct[] = [
  {
    handle: 'linen-french-dress',
    category: ['女装', '连衣裙'],
    item: {
      title: '亚麻混纺法式连衣裙 夏季新款',
      description: '55% 亚麻 45% 棉，透气不闷热；V 领收腰，适合通勤与度假。',
      status: 'published',
      tags: ['新品', '夏季', '通勤'],
      media: [
        'https://img.example.com/mujiang/linen-dress-1.jpg',
        'https://img.example.com/mujiang/linen-dress-2.jpg',
      ],
      external_ids: { erp: 'MJ-W-0101' },
    },
    options: ['颜色', '尺码'],
    variants: sizes(
      'MJ-DRESS',
      [
        ['IVR', '米白'],
        ['BLU', '雾霾蓝'],
      ],
      ['S', 'M', 'L'],
      [12, 30, 18, 6, 25, 3],
    ),
    prices: { list_price: 29900, supply_price: 15900, retail_floor: 25900, retail_ceiling: 32900 },
    weight_grams: 320,
  },
  {
    handle: 'cotton-crew-tee',
    category: ['男装', 'T恤'],
    item: {
      title: '新疆长绒棉圆领短袖T恤',
      description: '200g 精梳长绒棉，微落肩版型，洗后不变形。',
      status: 'published',
      tags: ['基础款', '热卖'],
      media: ['https://img.example.com/mujiang/cotton-tee-1.jpg'],
      external_ids: { erp: 'MJ-M-0207' },
    },
    options: ['颜色', '尺码'],
    variants: sizes(
      'MJ-TEE',
      [
        ['WHT', '白色'],
        ['BLK', '黑色'],
        ['NVY', '藏青'],
      ],
      ['M', 'L', 'XL'],
      [80, 120, 60, 95, 40, 0, 33, 57, 21],
    ),
    prices: { list_price: 9900, supply_price: 4500, retail_floor: 7900, retail_ceiling: 12900 },
    weight_grams: 230,
  },
  {
    handle: 'stoneware-tea-cups',
    category: ['家居', '餐具'],
    item: {
      title: '日式手工粗陶茶杯套装（4只装）',
      description: '景德镇手工拉坯，釉色每只略有不同；可进洗碗机。',
      status: 'published',
      tags: ['礼盒', '家居'],
      media: ['https://img.example.com/mujiang/tea-cups-1.jpg'],
    },
    options: ['颜色'],
    variants: [
      ['MJ-CUP-SET-YLW', ['米黄'], 45],
      ['MJ-CUP-SET-GRN', ['墨绿'], 4],
    ],
    prices: { list_price: 16800, supply_price: 8800, retail_floor: 13800, retail_ceiling: 19800 },
    weight_grams: 900,
  },
  {
    handle: 'pu-erh-cake-357g',
    category: ['食品', '茶叶'],
    item: {
      title: '云南古树普洱生茶 357g 茶饼',
      description: '勐海古树春茶，石磨压制；年份不同，口感由鲜爽到醇厚。',
      status: 'published',
      tags: ['茶叶', '送礼'],
      media: ['https://img.example.com/mujiang/pu-erh-1.jpg'],
    },
    options: ['年份'],
    variants: [
      ['MJ-PUER-2019', ['2019'], 15],
      ['MJ-PUER-2021', ['2021'], 60],
    ],
    prices: { list_price: 26800, supply_price: 14800, retail_floor: 22800, retail_ceiling: 29800 },
    weight_grams: 400,
  },
  {
    handle: 'kids-bucket-hat',
    category: ['童装', '配饰'],
    item: {
      title: '儿童防晒渔夫帽 UPF50+',
      description: '下季上新，暂为草稿。',
      status: 'draft',
      tags: ['童装'],
    },
    options: ['颜色'],
    variants: [
      ['MJ-HAT-PNK', ['粉色'], 0],
      ['MJ-HAT-YLW', ['黄色'], 0],
    ],
    prices: { list_price: 5900, supply_price: 2600, retail_floor: 4900, retail_ceiling: 6900 },
    weight_grams: 80,
  },
];

/** The id of the category `parent › child`, created when missing. */
async function categoryId(ctx: TenantCtx, known: Map<string, string>, [parent, child]: [string, string]) {
  const find = async (name: string, parentId: string | null) => {
    const key = `${parentId ?? ''}/${name}`;
    let id = known.get(key);
    if (!id) {
      id = (await createCategory(ctx, { name, parent_id: parentId })).id;
      known.set(key, id);
    }
    return id;
  };
  return find(child, await find(parent, null));
}

/**
 * Creates the demo products that are missing (matched by handle) and stocks them. Products that
 * exist are left alone, so restarts neither duplicate them nor undo what a demo user changed.
 */
export async function ensureDemoCatalog(ctx: TenantCtx): Promise<void> {
  const existing = new Set((await listProducts(ctx, { limit: 100 })).data.map((p) => p.handle));
  const missing = DEMO_PRODUCTS.filter((p) => !existing.has(p.handle));
  if (!missing.length) return;
  const categories = new Map(
    (await listCategories(ctx, { limit: 100 })).data.map((c) => [`${c.parent_id ?? ''}/${c.name}`, c.id]),
  );
  const items: BulkItem[] = [];
  for (const p of missing) {
    items.push({
      ...p.item,
      handle: p.handle,
      category_id: await categoryId(ctx, categories, p.category),
      variants: p.variants.map(([sku, values]) => ({
        sku,
        options: values.map((value, i) => ({ name: p.options[i]!, value })),
        weight_grams: p.weight_grams,
        ...p.prices,
      })),
    });
  }
  const results = await bulkProducts(ctx, items);
  const failed = results.find((r) => r.status === 'failed');
  if (failed) throw new Error(`demo catalog: ${JSON.stringify(failed)}`);
  await syncStock(ctx, {
    items: missing.flatMap((p) => p.variants.map(([sku, , onHand]) => ({ sku, on_hand: onHand }))),
  });
}
