/**
 * The little XML that NCP's XML answers need, written by hand with escaping.
 */

/** A value NCP answers with: scalars, lists and nested objects. */
export type ResponseValue =
  | string
  | number
  | boolean
  | null
  | ResponseValue[]
  | { [key: string]: ResponseValue };

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Escapes text for an XML element or attribute. Characters XML 1.0 cannot carry at all
 * (controls other than tab, newline and carriage return, lone surrogates) become U+FFFD.
 */
export function escapeXml(text: string): string {
  return (
    text
      .replace(/[&<>"']/g, (ch) => ESCAPES[ch]!)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the characters XML 1.0 forbids is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/gu, '\ufffd')
  );
}

/**
 * Renders `value` as the element `name`, NCP style: object fields become child elements,
 * `null` fields are left out, and a list `fooList` holds one `<foo>` element per item.
 */
export function toXml(name: string, value: ResponseValue, indent = ''): string {
  if (value === null) return '';
  if (Array.isArray(value)) {
    const item = name.endsWith('List') ? name.slice(0, -4) : 'item';
    const inner = value.map((v) => toXml(item, v, `${indent}    `)).join('');
    return `${indent}<${name}>\n${inner}${indent}</${name}>\n`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([key, v]) => toXml(key, v, `${indent}    `))
      .join('');
    return `${indent}<${name}>\n${inner}${indent}</${name}>\n`;
  }
  return `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
}

/** A whole XML document: the declaration, then `value` as the root element `name`. */
export function xmlDocument(name: string, value: ResponseValue): string {
  return `${XML_DECLARATION}\n${toXml(name, value)}`;
}
