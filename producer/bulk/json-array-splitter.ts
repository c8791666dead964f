import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  CR,
  NEWLINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SPACE,
  TAB,
} from '../json-bytes.ts';
import { BulkFileError } from './errors.ts';
import { RowBuffer } from './row-buffer.ts';

const ARRAY = 'an array of export requests ([{...}, ...])';

/** The text of one top-level array element, or `undefined` when it is longer than the limit. */
export interface ArrayElement {
  line: number;
  /** 1-based position in the array. */
  item: number;
  text: string | undefined;
}

/** Where the splitter is: before `[`, before an element, in one, after one, after `]`. */
type State = 'start' | 'value' | 'element' | 'after' | 'done';

/**
 * Cuts the text of a JSON array into the texts of its top-level elements without holding more
 * than one element, so an array of a million elements streams in flat memory. It follows only
 * what it needs for that: strings with their escapes, and the nesting depth of `{}` and `[]`.
 * Each element's own syntax is left to `JSON.parse`, element by element.
 *
 * Throws {@link BulkFileError} for what breaks the array itself: input that is not an array, a
 * missing or extra comma, anything after the closing `]`, and input that ends before it.
 */
export class JsonArraySplitter {
  readonly #buffer: RowBuffer;
  #state: State = 'start';
  #line = 1;
  /** Line of the last character outside elements, or of the end of the last element. */
  #lastLine = 1;
  #elementLine = 1;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #afterComma = false;
  #items = 0;

  constructor(options: { maxRowBytes: number }) {
    this.#buffer = new RowBuffer(options.maxRowBytes);
  }

  /** The elements that `chunk` completes; a partial element is kept for the next chunk. */
  *push(chunk: string): Generator<ArrayElement> {
    let from = 0;
    let i = 0;
    while (i < chunk.length) {
      const code = chunk.charCodeAt(i);
      if (this.#state === 'element') {
        if (this.#endsBefore(code)) {
          yield this.#element(chunk.slice(from, i));
          continue;
        }
        i++;
        if (code === NEWLINE) this.#line++;
        if (this.#endsAfter(code)) yield this.#element(chunk.slice(from, i));
        continue;
      }
      if (code === SPACE || code === NEWLINE || code === TAB || code === CR) {
        if (code === NEWLINE) this.#line++;
        i++;
        continue;
      }
      this.#lastLine = this.#line;
      if (this.#between(code)) {
        i++;
      } else {
        this.#state = 'element';
        this.#elementLine = this.#line;
        from = i;
      }
    }
    if (this.#state === 'element') this.#buffer.append(chunk.slice(from));
  }

  /** Checks that the input ended right after the array. */
  end(): void {
    if (this.#state === 'start') {
      throw new BulkFileError(1, `the JSON input is empty; expected ${ARRAY}`);
    }
    if (this.#state === 'element') {
      throw new BulkFileError(
        this.#elementLine,
        'the JSON input ends inside the array element that starts on this line (is the file truncated?)',
      );
    }
    if (this.#state !== 'done') {
      throw new BulkFileError(
        this.#lastLine,
        'the JSON input ends before the array is closed with "]" (is the file truncated?)',
      );
    }
  }

  /**
   * Takes a non-blank character outside elements. Returns false when it starts an element;
   * throws when it does not belong there.
   */
  #between(code: number): boolean {
    switch (this.#state) {
      case 'start':
        if (code === OPEN_BRACKET) {
          this.#state = 'value';
          this.#afterComma = false;
          return true;
        }
        throw new BulkFileError(
          this.#line,
          code === OPEN_BRACE
            ? `the JSON input must be ${ARRAY}, not a single object; for one object per line use --format ndjson`
            : `the JSON input must be ${ARRAY}; it starts with ${show(code)}`,
        );
      case 'value':
        if (code === CLOSE_BRACKET && !this.#afterComma) {
          this.#state = 'done';
          return true;
        }
        if (code === CLOSE_BRACKET || code === COMMA || code === CLOSE_BRACE) {
          const what = this.#afterComma ? 'after ","' : 'after "["';
          throw new BulkFileError(
            this.#line,
            `expected an array element ${what}, found ${show(code)}`,
          );
        }
        return false;
      case 'after':
        if (code === COMMA) {
          this.#state = 'value';
          this.#afterComma = true;
          return true;
        }
        if (code === CLOSE_BRACKET) {
          this.#state = 'done';
          return true;
        }
        throw new BulkFileError(
          this.#line,
          `expected "," or "]" after the array element that starts on line ${this.#elementLine}, found ${show(code)}`,
        );
      default:
        throw new BulkFileError(
          this.#line,
          `unexpected ${show(code)} after the end of the JSON array`,
        );
    }
  }

  /** Whether the element ended just before this character (a number, true, false or null). */
  #endsBefore(code: number): boolean {
    if (this.#inString || this.#depth > 0) return false;
    return (
      code === COMMA ||
      code === CLOSE_BRACKET ||
      code === CLOSE_BRACE ||
      code === SPACE ||
      code === NEWLINE ||
      code === TAB ||
      code === CR
    );
  }

  /** Takes one character of an element; whether it closed the element. */
  #endsAfter(code: number): boolean {
    if (this.#inString) {
      if (this.#escaped) {
        this.#escaped = false;
      } else if (code === BACKSLASH) {
        this.#escaped = true;
      } else if (code === QUOTE) {
        this.#inString = false;
        return this.#depth === 0;
      }
      return false;
    }
    if (code === QUOTE) {
      this.#inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      this.#depth++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      this.#depth--;
      return this.#depth === 0;
    }
    return false;
  }

  #element(tail: string): ArrayElement {
    this.#buffer.append(tail);
    this.#state = 'after';
    this.#lastLine = this.#line;
    this.#items++;
    return { line: this.#elementLine, item: this.#items, text: this.#buffer.take(false) };
  }
}

function show(code: number): string {
  return JSON.stringify(String.fromCharCode(code));
}
