/**
 * Applies a partial update to a JSON record key by key, the way `metadata` and `settings`
 * update everywhere: a key set to `null` or `''` is removed, others are set.
 */
export function mergeRecord<T extends Record<string, unknown>>(
  current: T,
  patch: Record<string, unknown>,
): T {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === '') delete out[k];
    else out[k] = v;
  }
  return out as T;
}
