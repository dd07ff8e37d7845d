import type { Socket } from 'node:net';
import type { Metrics } from './metrics.js';

/** JSON for the rejections Node's HTTP parser makes before express sees a request. */
const BY_CODE: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'headers_too_large',
    'request line and headers are larger than the server accepts',
    'send a shorter URL and fewer/smaller headers (prompts go in the JSON body)',
  ],
  HPE_UNEXPECTED_CONTENT_LENGTH: [
    400,
    'bad_content_length',
    'Content-Length is duplicated or sent together with Transfer-Encoding',
    'send exactly one Content-Length, or Transfer-Encoding: chunked, not both',
  ],
  HPE_INVALID_CONTENT_LENGTH: [400, 'bad_content_length', 'Content-Length is not a valid number', 'send one Content-Length with the body size in bytes'],
  HPE_INVALID_TRANSFER_ENCODING: [400, 'bad_transfer_encoding', 'Transfer-Encoding is not valid', 'send Transfer-Encoding: chunked or a Content-Length'],
  HPE_INVALID_CHUNK_SIZE: [400, 'bad_chunk', 'a chunk size in the chunked body is not valid', 'send a well-formed chunked body'],
  HPE_INVALID_METHOD: [400, 'bad_method', 'unknown HTTP method', 'use GET or POST'],
  HPE_INVALID_URL: [400, 'bad_url', 'the request URL is not valid', 'send an absolute path such as /route'],
  HPE_INVALID_HEADER_TOKEN: [400, 'bad_header', 'a header name or value has invalid characters', 'send printable ASCII header names and values'],
  HPE_INVALID_VERSION: [400, 'bad_version', 'unsupported HTTP version', 'use HTTP/1.1'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'the request was not received in time', 'send the whole request promptly'],
  HPE_HEADERS_TIMEOUT: [408, 'request_timeout', 'the headers were not received in time', 'send the whole request promptly'],
};
const REASON: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** `server.on('clientError', …)`: answer with a JSON body (never an empty one), count the reason, close. */
export function clientErrorHandler(metrics: Metrics) {
  return (err: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { headersSent?: boolean } }) => {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, error, message, fix] = BY_CODE[code] ?? [400, 'bad_request', 'the request is not valid HTTP/1.1', 'send a well-formed HTTP/1.1 request'];
    metrics.inc('llmr_rejections_total', 'requests rejected before or instead of work, by reason', { reason: error });
    metrics.observe('OTHER', 'unparsed', status, 0);
    const body = JSON.stringify({ error, message, fix });
    socket.end(
      `HTTP/1.1 ${status} ${REASON[status] ?? 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}
