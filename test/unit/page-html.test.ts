/** The page's HTML templates: every value escaped, markup built by `html` kept as is. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, joinHtml, pathTo } from '../../producer/http/page/html.ts';
import { landingOf } from '../../producer/http/page/landing.ts';

describe('page html', () => {
  it('escapes values in text and in attributes', () => {
    const hostile = `"><script>alert('x')</script>\``;
    const out = html`<td title="${hostile}">${hostile}</td>`.text;
    expect(out).toBe(
      '<td title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;</td>',
    );
    expect(escapeHtml('a & b')).toBe('a &amp; b');
  });

  it('keeps markup built by html, escapes lists item by item, and drops empty values', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', inner]}${null}${undefined}${false}${0}</p>`.text).toBe(
      '<p><b>&lt;i&gt;</b>&lt;<b>&lt;i&gt;</b>0</p>',
    );
    expect(joinHtml(['<x>', inner]).text).toBe('&lt;x&gt;<b>&lt;i&gt;</b>');
  });

  it('encodes path segments', () => {
    expect(pathTo('exports', 'a~b/c?d#e', 'retry')).toBe('/exports/a~b%2Fc%3Fd%23e/retry');
  });

  it('reads a landing where a record has one', () => {
    expect(landingOf({ jobId: 'x' })).toBeUndefined();
    expect(landingOf({ landed: null })).toBeUndefined();
    expect(landingOf({ landing: { state: 'pending', checkedAt: 't', size: 3 } })).toEqual({
      state: 'pending',
      details: [
        ['checkedAt', 't'],
        ['size', '3'],
      ],
    });
    expect(landingOf({ landing: 'not-checked' })).toEqual({ state: 'not-checked', details: [] });
  });
});
