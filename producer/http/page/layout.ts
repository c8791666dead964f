/** The frame every page shares: head, navigation, sign-out; and the headers its answers carry. */
import type { FastifyReply } from 'fastify';
import { html, type SafeHtml } from './html.ts';
import { STYLE_PATH } from './style.ts';

/**
 * Nothing loads from elsewhere, and no script runs: the page is HTML and one stylesheet, both
 * from this service. Forms post only here, and no other site may frame it.
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface LayoutOptions {
  title: string;
  /** The session's CSRF token, for the sign-out form; undefined on the sign-in page. */
  csrf?: string | undefined;
  /** Whether a token guards the page (sign-out is offered only then). */
  signedIn?: boolean;
}

export function layout(options: LayoutOptions, body: SafeHtml): SafeHtml {
  const signOut =
    options.signedIn && options.csrf !== undefined
      ? html`<form method="post" action="/sign-out" class="inline">
          <input type="hidden" name="_csrf" value="${options.csrf}">
          <button type="submit">Sign out</button></form>`
      : '';
  const nav =
    options.csrf === undefined
      ? ''
      : html`<a href="/">Overview</a><a href="/instances">Instances</a>
        <a href="/ui">Job internals (/ui)</a><a href="/docs">API</a>${signOut}`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${options.title} · ncp-cache-export</title>
<link rel="stylesheet" href="${STYLE_PATH}">
</head>
<body>
<header><span class="title">ncp-cache-export</span>${nav}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Sends a page with the headers every page carries. */
export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .send(page.text);
}

/** `2026-12-02 06:26:36` (UTC) of an ISO time or ms; `-` for none. */
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
