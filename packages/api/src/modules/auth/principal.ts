/**
 * Who is calling. Routes declare which kinds they accept; services receive the principal
 * (never the request) and apply the confinement rules that belong to the domain, such as a
 * supplier key seeing only its own products.
 */
export type Principal =
  | { kind: 'platform' }
  | { kind: 'partner'; partnerId: string }
  | { kind: 'secret'; tenantId: string; keyId: string; scopes: string[] | null }
  | { kind: 'publishable'; tenantId: string; keyId: string; storeId: string; scopes: string[] | null }
  | { kind: 'supplier'; tenantId: string; keyId: string; supplierId: string; scopes: string[] | null }
  /** A short-lived token of one promoter, for guide and shopkeeper apps: its own data only. */
  | { kind: 'promoter'; tenantId: string; tokenId: string; promoterId: string };

export type PrincipalKind = Principal['kind'];
export type TenantPrincipal = Extract<Principal, { tenantId: string }>;
export type PlatformPrincipal = Extract<Principal, { kind: 'platform' | 'partner' }>;

export const TENANT_KEY_KINDS = ['secret', 'publishable', 'supplier'] as const;

/** `public` for routes without a key (health, docs); otherwise the kinds a route accepts. */
export type AuthRule = 'public' | readonly PrincipalKind[];

/**
 * Scopes restrict a key below what its kind allows. A key with no scopes has them all;
 * `x:write` includes `x:read`.
 */
export const SCOPE_RESOURCES = [
  'tenant',
  'api_keys',
  'stores',
  'suppliers',
  'promoters',
  'customers',
  'webhooks',
  'events',
  'catalog',
  'inventory',
  'orders',
  'flash_sales',
  'links',
  'commissions',
  'members',
  'coupons',
  'imports',
] as const;
export type ScopeResource = (typeof SCOPE_RESOURCES)[number];
export type Scope = `${ScopeResource}:${'read' | 'write'}`;
export const ALL_SCOPES: Scope[] = SCOPE_RESOURCES.flatMap((r) => [`${r}:read`, `${r}:write`] as Scope[]);

export function hasScope(granted: string[] | null, needed: Scope): boolean {
  if (granted === null) return true;
  if (granted.includes(needed)) return true;
  return needed.endsWith(':read') && granted.includes(needed.replace(/:read$/, ':write'));
}
