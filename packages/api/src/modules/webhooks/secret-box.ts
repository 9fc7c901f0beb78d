import { hkdfSync } from 'node:crypto';
import { open, seal } from '../../lib/secrets';

const SEALED = 'sealed:v1:';
const PLAIN = 'plain:';

/**
 * How endpoint signing secrets are kept. The dispatcher must sign with them, so they cannot be
 * hashed like API keys. With WEBHOOK_SECRET_KEY set they are sealed with AES-256-GCM under a
 * key derived from it (HKDF-SHA256), bound to the tenant and endpoint (AAD), so a database dump
 * or a row copied to another endpoint reveals nothing. Without it (development) they are stored
 * as they are, marked `plain:`; setting the key later seals each secret at its next rotation.
 */
export class SecretBox {
  private readonly key: Buffer | undefined;

  constructor(masterKey: string | undefined) {
    this.key = masterKey
      ? Buffer.from(hkdfSync('sha256', masterKey, 'mujiang', 'webhook endpoint secrets v1', 32))
      : undefined;
  }

  get sealing(): boolean {
    return this.key !== undefined;
  }

  seal(tenantId: string, endpointId: string, secret: string): string {
    if (!this.key) return `${PLAIN}${secret}`;
    return `${SEALED}${seal(this.key, secret, `${tenantId}/${endpointId}`).toString('base64')}`;
  }

  /** The secret, or null when it cannot be opened here (no key, another key, or altered). */
  open(tenantId: string, endpointId: string, stored: string): string | null {
    if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
    if (!stored.startsWith(SEALED) || !this.key) return null;
    return open(this.key, Buffer.from(stored.slice(SEALED.length), 'base64'), `${tenantId}/${endpointId}`);
  }
}
