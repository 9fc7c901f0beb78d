import { z } from 'zod';
import { timestampInput, timestampSchema } from '../../http/schemas';
import { ALL_SCOPES } from '../auth/principal';
import { API_KEY_KINDS } from './tables';

/** Shared by /v1/api_keys and the platform's /v1/tenants/{id}/api_keys. */
export const createApiKeyBody = z.strictObject({
  kind: z
    .enum(API_KEY_KINDS)
    .describe('secret: full tenant access; publishable: one store; supplier: one supplier.'),
  name: z.string().trim().min(1).max(100).optional(),
  store_id: z.string().max(64).optional().describe('Required for a publishable key.'),
  supplier_id: z.string().max(64).optional().describe('Required for a supplier key.'),
  scopes: z
    .array(z.enum(ALL_SCOPES as [string, ...string[]]))
    .min(1)
    .max(ALL_SCOPES.length * 2)
    .optional()
    .describe('Restrict the key to these scopes; omit for everything its kind allows.'),
  expires_at: timestampInput.optional(),
});

export const apiKeySchema = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    kind: z.enum(API_KEY_KINDS),
    name: z.string().nullable(),
    redacted_key: z.string().describe('The key with all but its last four characters hidden.'),
    store_id: z.string().nullable(),
    supplier_id: z.string().nullable(),
    scopes: z.array(z.string()).nullable(),
    expires_at: timestampSchema.nullable(),
    revoked_at: timestampSchema.nullable(),
    last_used_at: timestampSchema.nullable(),
    created_at: timestampSchema,
  })
  .meta({ id: 'ApiKey' });

export const apiKeyWithSecretSchema = apiKeySchema
  .extend({ secret: z.string().describe('The key itself. Shown only in this response; store it now.') })
  .meta({ id: 'ApiKeyWithSecret' });
