import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import { LlmrError } from '../src/errors.js';
import type { Principal } from './context.js';
import { HttpError } from './httpError.js';
import type { Authenticate } from './middleware/guard.js';
import type { Access } from './mount.js';

/** One accepted key, held only as its sha256 (the process never keeps a secret it does not need). */
interface KeyEntry {
  hash: Buffer;
  admin: boolean;
  id: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const HEX64 = /^[0-9a-f]{64}$/i;

/**
 * API keys: plain keys from the environment (`LLMR_API_KEYS`, `LLMR_ADMIN_API_KEYS`, comma-separated) and/or
 * sha256 hashes from a file (`--api-keys-file`: one hash per line, optional word `admin` after it, `#` comments).
 * A presented key is hashed and compared with every entry in constant time.
 */
export class ApiKeys {
  private constructor(private readonly entries: KeyEntry[]) {}

  static empty(): ApiKeys {
    return new ApiKeys([]);
  }

  /** Hash of a plain key, as it goes in an --api-keys-file. */
  static hash(key: string): string {
    return sha256(key).toString('hex');
  }

  static from(o: { keys?: string; adminKeys?: string; file?: string; adminFile?: string }): ApiKeys {
    const out: KeyEntry[] = [];
    const add = (hash: Buffer, admin: boolean) => out.push({ hash, admin, id: `key:${hash.toString('hex').slice(0, 12)}` });
    const plain = (list: string | undefined, admin: boolean) => {
      for (const k of (list ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (k.length < 16)
          throw new LlmrError(`an API key in ${admin ? 'LLMR_ADMIN_API_KEYS' : 'LLMR_API_KEYS'} is shorter than 16 characters`, {
            field: admin ? 'LLMR_ADMIN_API_KEYS' : 'LLMR_API_KEYS',
            fix: 'use long random keys, e.g. `openssl rand -hex 24`',
          });
        add(sha256(k), admin);
      }
    };
    plain(o.keys, false);
    plain(o.adminKeys, true);
    const file = (path: string | undefined, adminAll: boolean) => {
      if (!path) return;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new LlmrError(`cannot read API keys file ${path} (${code ?? (e as Error).message})`, {
          field: '--api-keys-file',
          fix:
            code === 'ENOENT'
              ? 'check the path; create it with one sha256 hash per line: printf %s "$KEY" | sha256sum'
              : 'make the file readable by the server user (chmod 640, right owner)',
        });
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const s = line.replace(/#.*$/, '').trim();
        if (!s) return;
        const [h, role, ...rest] = s.split(/\s+/);
        if (!HEX64.test(h!) || rest.length || (role !== undefined && role !== 'admin' && role !== 'user')) {
          throw new LlmrError(`${path}:${i + 1}: expected "<sha256 hex> [admin|user]"`, {
            field: '--api-keys-file',
            where: `${path}:${i + 1}`,
            fix: 'one sha256 hash per line (printf %s "$KEY" | sha256sum | cut -d" " -f1), optionally followed by "admin"; the file must not hold plain keys',
          });
        }
        add(Buffer.from(h!, 'hex'), adminAll || role === 'admin');
      });
    };
    file(o.file, false);
    file(o.adminFile, true);
    return new ApiKeys(out);
  }

  get size(): number {
    return this.entries.length;
  }
  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The entry for a presented key, comparing against every entry in constant time (no early exit). */
  lookup(key: string): KeyEntry | null {
    const h = sha256(key);
    let found: KeyEntry | null = null;
    for (const e of this.entries) if (timingSafeEqual(e.hash, h) && !found) found = e;
    return found;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`; null when none. */
export function presentedKey(req: Request): string | null {
  const a = req.headers.authorization;
  if (typeof a === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(a);
    if (m) return m[1]!;
    throw new HttpError(401, 'unauthorized', 'Authorization header is not "Bearer <key>"', {
      field: 'authorization',
      fix: 'send Authorization: Bearer <key> or x-api-key: <key>',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x ? x.trim() : null;
}

/** Authentication over a key set: public passes; user needs any key; admin needs an admin key. No keys → everyone, principal null. */
export function keyAuthenticator(keys: ApiKeys): Authenticate {
  return (req: Request, access: Access): Principal | null => {
    if (access === 'public') {
      return null;
    }
    if (!keys.enabled) return null;
    const key = presentedKey(req);
    if (!key)
      throw new HttpError(401, 'unauthorized', 'this endpoint needs an API key', {
        field: 'authorization',
        fix: 'send Authorization: Bearer <key> or x-api-key: <key>',
        headers: { 'www-authenticate': 'Bearer' },
      });
    const e = keys.lookup(key);
    if (!e)
      throw new HttpError(401, 'unauthorized', 'unknown API key', {
        field: 'authorization',
        fix: 'check the key; the server accepts the keys in LLMR_API_KEYS / --api-keys-file',
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    if (access === 'admin' && !e.admin)
      throw new HttpError(403, 'forbidden', 'this endpoint needs an admin key', {
        field: 'authorization',
        fix: 'use a key from LLMR_ADMIN_API_KEYS or marked "admin" in the keys file',
      });
    return { id: e.id, admin: e.admin };
  };
}
