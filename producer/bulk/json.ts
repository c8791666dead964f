import { JsonArraySplitter } from './json-array-splitter.ts';
import { type BulkRow, parseJsonRow, tooLong } from './row.ts';

/** A row of the array, a bad one naming its item (several may start on one line). */
function withItem(row: BulkRow, item: number): BulkRow {
  return row.ok ? row : { ...row, item };
}

/**
 * Reads a JSON array of export request objects, one element at a time.
 *
 * Row errors (reading goes on; each names its item, the 1-based position in the array): an element that is not valid JSON on its own, not an object,
 * not a valid request, or longer than `maxRowBytes`. Thrown `BulkFileError`s (reading stops):
 * input that is empty or not an array, a missing or extra comma, content after the closing `]`,
 * input that ends before it. See {@link JsonArraySplitter}.
 */
export async function* readJsonArray(
  text: AsyncIterable<string>,
  maxRowBytes: number,
): AsyncGenerator<BulkRow> {
  const splitter = new JsonArraySplitter({ maxRowBytes });
  for await (const chunk of text) {
    for (const element of splitter.push(chunk)) {
      const row =
        element.text === undefined
          ? tooLong(element.line, maxRowBytes)
          : parseJsonRow(element.line, element.text);
      yield withItem(row, element.item);
    }
  }
  splitter.end();
}
