import { connect } from 'node:net';

/** Send raw bytes over one TCP connection and collect everything the server sends until it closes (or `ms`). */
export function rawRequest(port: number, bytes: string | Buffer, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const t = setTimeout(() => {
      s.destroy();
      done();
    }, ms);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', done);
    s.write(bytes);
  });
}

/** Status line and JSON body of a raw HTTP response. */
export function parseRaw(raw: string): { status: number; headers: string; body: unknown } {
  const i = raw.indexOf('\r\n\r\n');
  const head = i >= 0 ? raw.slice(0, i) : raw;
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  let body: unknown = null;
  try {
    body = JSON.parse(raw.slice(i + 4));
  } catch {
    body = null;
  }
  return { status, headers: head, body };
}
