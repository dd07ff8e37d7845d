import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../httpError.js';

const ENCODINGS = new Set(['identity', 'gzip', 'deflate']);
const SEND_JSON = 'send Content-Type: application/json (UTF-8) with a JSON body';

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/**
 * Before the JSON parser: a body must be declared JSON in UTF-8 and encoded identity/gzip/deflate, else 415
 * naming the header and the fix (instead of the parser's 500 for an unknown charset or encoding).
 */
export function checkBodyEncoding(req: Request, _res: Response, next: NextFunction) {
  if (!hasBody(req)) return next();
  const ct = req.headers['content-type'];
  if (!ct)
    return next(new HttpError(415, 'unsupported_media_type', 'request has a body but no Content-Type header', { field: 'content-type', fix: SEND_JSON }));
  const [type, ...params] = ct.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type ?? '')) {
    return next(
      new HttpError(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(ct.slice(0, 100))} is not JSON`, { field: 'content-type', fix: SEND_JSON }),
    );
  }
  for (const p of params) {
    const [k, v = ''] = p.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k === 'charset' && v !== 'utf-8' && v !== 'utf8') {
      return next(
        new HttpError(415, 'unsupported_charset', `charset "${v.slice(0, 40)}" is not supported`, {
          field: 'content-type',
          fix: 'encode the body as UTF-8 and send Content-Type: application/json; charset=utf-8 (or no charset)',
        }),
      );
    }
  }
  const ce = req.headers['content-encoding'];
  if (ce !== undefined) {
    const v = ce.trim().toLowerCase();
    if (!ENCODINGS.has(v)) {
      return next(
        new HttpError(415, 'unsupported_encoding', `Content-Encoding "${ce.slice(0, 40)}" is not supported`, {
          field: 'content-encoding',
          fix: 'send the body uncompressed, or with exactly one Content-Encoding: gzip or deflate',
        }),
      );
    }
  }
  next();
}
