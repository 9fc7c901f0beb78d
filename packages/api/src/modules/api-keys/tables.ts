import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn } from '../../db/columns';
import { stores } from '../stores/tables';
import { suppliers } from '../suppliers/tables';

export const API_KEY_KINDS = ['secret', 'publishable', 'supplier'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

/** Tenant API keys. Only the SHA-256 of a key is stored; the key itself is shown once. */
export const apiKeys = pgTable(
  'api_keys',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    kind: text('kind', { enum: API_KEY_KINDS }).notNull(),
    name: text('name'),
    tokenHash: text('token_hash').notNull(),
    tokenLast4: text('token_last4').notNull(),
    storeId: text('store_id'),
    supplierId: text('supplier_id'),
    /** null → every scope the kind allows. */
    scopes: text('scopes').array(),
    expiresAt: timestampColumn('expires_at'),
    revokedAt: timestampColumn('revoked_at'),
    lastUsedAt: timestampColumn('last_used_at'),
    createdAt: timestampColumn('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('api_keys_token_hash_key').on(t.tenantId, t.tokenHash),
    index('api_keys_store_idx').on(t.tenantId, t.storeId),
    foreignKey({ columns: [t.tenantId, t.storeId], foreignColumns: [stores.tenantId, stores.id] }),
    foreignKey({ columns: [t.tenantId, t.supplierId], foreignColumns: [suppliers.tenantId, suppliers.id] }),
    check('api_keys_kind_check', sql`${t.kind} in ('secret', 'publishable', 'supplier')`),
    // Each kind carries exactly the binding it needs.
    check(
      'api_keys_binding_check',
      sql`(${t.kind} = 'secret' and ${t.storeId} is null and ${t.supplierId} is null)
        or (${t.kind} = 'publishable' and ${t.storeId} is not null and ${t.supplierId} is null)
        or (${t.kind} = 'supplier' and ${t.supplierId} is not null and ${t.storeId} is null)`,
    ),
  ],
);
