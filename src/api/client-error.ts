/**
 * What Node's HTTP parser refuses before the app ever sees the request — most often a Chinese
 * character sent unencoded in the address (`curl "…/api/cases?q=张秀英"`: browsers encode it,
 * curl does not) — answered as every refusal is: problem+json with the reason in Chinese and what
 * to do, instead of Node's bare "400 Bad Request" with no body. Nothing was read, so nothing was
 * written.
 */
import type { Socket } from 'node:net';
import { problemType } from './problem.js';

interface ParserError extends Error {
  code?: string;
}

/** The answer to a request the parser refused: status, problem type, title and the reason. */
function refusalOf(err: ParserError): { status: number; reason: string; type: string; title: string; detail: string } {
  switch (err.code) {
    case 'HPE_INVALID_URL':
      return {
        status: 400,
        reason: 'Bad Request',
        type: 'validation',
        title: '请求内容有误',
        detail: '网址中有未经编码的字符（例如中文）：请把查询参数按 URL 编码后再发送，例如 curl -G --data-urlencode "q=张秀英" …/api/cases。本次请求未作任何处理。',
      };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'Request Header Fields Too Large', type: 'payload_too_large', title: '请求头过大', detail: '请求头过大，本次请求未作任何处理。' };
    default:
      return { status: 400, reason: 'Bad Request', type: 'validation', title: '请求内容有误', detail: '请求的格式不符合 HTTP 规范，本次请求未作任何处理。' };
  }
}

/** `server.on('clientError', answerClientError)`. */
export function answerClientError(err: ParserError, socket: Socket): void {
  // The client is gone, or an answer is already under way: nothing to say to anyone.
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const r = refusalOf(err);
  const body = JSON.stringify({ type: problemType(r.type), title: r.title, status: r.status, detail: r.detail });
  socket.end(
    `HTTP/1.1 ${r.status} ${r.reason}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}
