const TAB = 0x09;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Follows CSV quoting (RFC 4180) one character at a time, to tell which line ends are inside a
 * quoted cell. A cell is quoted when its first character, after blanks, is `"`; inside it, `""`
 * stands for one quote and a lone `"` closes it. A quote in the middle of an unquoted cell
 * quotes nothing (csv-parse rejects that row later), so it cannot swallow the following lines.
 */
export class CsvQuotes {
  #quoted = false;
  /** In a quoted cell, just after a `"`: either `""` or the end of the cell. */
  #closing = false;
  #cellStart = true;

  /** True while a quoted cell is open. */
  get open(): boolean {
    return this.#quoted && !this.#closing;
  }

  /** Takes the next character; whether it belongs to a quoted cell (its quotes included). */
  inside(code: number): boolean {
    if (this.#quoted) {
      if (!this.#closing) {
        if (code === QUOTE) this.#closing = true;
        return true;
      }
      this.#closing = false;
      if (code === QUOTE) return true;
      this.#quoted = false;
    }
    if (code === QUOTE && this.#cellStart) {
      this.#quoted = true;
      this.#cellStart = false;
      return true;
    }
    if (code === COMMA || code === NEWLINE) {
      this.#cellStart = true;
    } else if (code !== SPACE && code !== TAB) {
      this.#cellStart = false;
    }
    return false;
  }
}
