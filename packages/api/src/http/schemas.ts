import { z } from 'zod';

/** Building blocks every module's route schemas share, so one field looks the same everywhere. */

export const metadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'At most 50 metadata keys')
  .describe('Your own key–value pairs (≤ 50 keys, values ≤ 500 characters).');

export const timestampSchema = z.string().describe('ISO-8601 UTC timestamp.');

/** ISO-8601 in requests: must carry a zone, so a time never means two different instants. */
export const timestampInput = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .describe('ISO-8601 timestamp with a zone, e.g. 2026-11-22T08:00:00Z.');

export const nameSchema = z.string().trim().min(1).max(200);

/** A code from the tenant's own systems (e.g. an ERP id), unique per kind of object in the tenant. */
export const codeSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Letters, digits, dot, dash and underscore; up to 64');

export function idParams(prefix: string) {
  return z.object({
    id: z.string().min(1).max(64).describe(`An id starting with \`${prefix}_\`.`),
  });
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Metadata in an update: a key set to null (or '') is removed, others are set. */
export const metadataPatchSchema = z
  .record(z.string().min(1).max(40), z.string().max(500).nullable())
  .refine((m) => Object.keys(m).length <= 50, 'At most 50 metadata keys')
  .describe('Keys to set; a null value removes the key.');
