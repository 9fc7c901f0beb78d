import { parse } from 'csv-parse';
import { and, asc, desc, eq, gte, lte } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { importChunks } from './tables';

/**
 * Reading a stored upload back: chunk by chunk from the database, from any byte offset, into a
 * streaming CSV parser (csv-parse) or a JSON Lines splitter. Memory stays at a few chunks and
 * one batch of records, whatever the file's size.
 */

/** A problem with the file as a whole: the import fails with this code, nothing written. */
export class FileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A CSV record or JSON line longer than this is refused (memory stays bounded). */
export const MAX_RECORD_BYTES = 1024 * 1024;
const CHUNKS_PER_QUERY = 1;

/** The file's bytes from `from` on, as stored. */
export async function* fileChunks(tx: Tx, tenantId: string, importId: string, from: number) {
  const key = and(eq(importChunks.tenantId, tenantId), eq(importChunks.importId, importId));
  const [start] = await tx
    .select({ seq: importChunks.seq })
    .from(importChunks)
    .where(and(key, lte(importChunks.offset, from)))
    .orderBy(desc(importChunks.seq))
    .limit(1);
  if (!start) return;
  let seq = start.seq;
  for (;;) {
    const rows = await tx
      .select()
      .from(importChunks)
      .where(and(key, gte(importChunks.seq, seq)))
      .orderBy(asc(importChunks.seq))
      .limit(CHUNKS_PER_QUERY);
    for (const row of rows) {
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data);
      if (row.offset + data.length <= from) continue;
      yield row.offset < from ? data.subarray(from - row.offset) : data;
    }
    if (rows.length < CHUNKS_PER_QUERY) return;
    seq = rows[rows.length - 1]!.seq + 1;
  }
}

/** Checks that the bytes are UTF-8 as they stream past. */
class Utf8Check {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  constructor(private readonly where: () => string) {}
  private fail(): never {
    throw new FileError(
      'invalid_encoding',
      `The file is not UTF-8 text (invalid bytes ${this.where()}); it may be GBK or another encoding. Save it as UTF-8 (in Excel: "CSV UTF-8") and upload it again.`,
    );
  }
  push(chunk: Buffer) {
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.fail();
    }
  }
  end() {
    try {
      this.decoder.decode();
    } catch {
      this.fail();
    }
  }
}

function rejectUtf16(chunk: Buffer, atStart: boolean) {
  if (
    atStart &&
    chunk.length >= 2 &&
    ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
  ) {
    throw new FileError('invalid_encoding', 'The file is UTF-16 text; save it as UTF-8 and upload it again.');
  }
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'A quoted field is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'A closing quote is followed by more text',
  CSV_INVALID_OPENING_QUOTE: 'A quote appears inside an unquoted field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'A closing quote is followed by more text',
};

function csvFailure(err: unknown, baseLine: number): FileError {
  const e = err as { code?: string; lines?: number; message?: string };
  if (e.code === 'CSV_MAX_RECORD_SIZE') {
    return new FileError(
      'record_too_large',
      `A row is longer than ${MAX_RECORD_BYTES} bytes (a broken quote?).`,
    );
  }
  const what = (e.code && CSV_ERRORS[e.code]) ?? 'The CSV cannot be read';
  const line = e.lines === undefined ? '' : ` at line ${baseLine + e.lines}`;
  return new FileError(
    'malformed_csv',
    `${what}${line}. Check the quotes in that row and upload the file again.`,
  );
}

/** A record and where the file stands after it. */
export interface Located<T> {
  value: T;
  /** The byte offset just past the record. */
  end: number;
  /** The physical line the record ends on (1-based, counted from where reading started). */
  line: number;
}

/**
 * Streams CSV records from `from`, calling `onRecord` for each in order; it returns false to
 * stop. Resolves true when the file was read to the end.
 */
export async function eachCsvRecord(
  chunks: AsyncIterable<Buffer>,
  from: number,
  checkEncoding: boolean,
  onRecord: (record: Located<string[]>) => Promise<boolean>,
): Promise<boolean> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  const queue: Array<{ record: string[]; info: { bytes: number; lines: number } }> = [];
  let failure: unknown;
  parser.on('data', (x) => queue.push(x));
  parser.on('error', (err) => {
    failure ??= err;
  });
  let line = 0;
  const utf8 = checkEncoding ? new Utf8Check(() => `after line ${line}`) : undefined;
  const drain = async () => {
    // Records the parser has pushed arrive as 'data' events; let them all come in first.
    await new Promise((resolve) => setImmediate(resolve));
    if (failure) throw csvFailure(failure, 0);
    for (let i = 0; i < queue.length; i++) {
      const { record, info } = queue[i]!;
      line = info.lines;
      if (!(await onRecord({ value: record, end: from + info.bytes, line: info.lines }))) return false;
    }
    queue.length = 0;
    return true;
  };
  let first = from === 0;
  try {
    for await (const chunk of chunks) {
      if (checkEncoding) rejectUtf16(chunk, first);
      first = false;
      utf8?.push(chunk);
      await new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
      if (!(await drain())) return false;
    }
    utf8?.end();
    await new Promise<void>((resolve) => parser.end(() => resolve()));
    return await drain();
  } finally {
    parser.destroy();
  }
}

/** Streams JSON Lines from `from`: one value per non-blank line. */
export async function eachJsonLine(
  chunks: AsyncIterable<Buffer>,
  from: number,
  firstLine: number,
  checkEncoding: boolean,
  onLine: (line: Located<string>) => Promise<boolean>,
): Promise<boolean> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let offset = from;
  let line = firstLine;
  const utf8 = checkEncoding ? new Utf8Check(() => `on line ${line + 1}`) : undefined;
  const emit = async (bytes: Buffer, end: number) => {
    line++;
    let text = bytes.toString('utf8');
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (!text.trim()) return true;
    return onLine({ value: text, end, line });
  };
  let first = from === 0;
  for await (const chunk of chunks) {
    if (checkEncoding) rejectUtf16(chunk, first);
    first = false;
    utf8?.push(chunk);
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = carry.length ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      carryBytes = 0;
      const end = offset + nl + 1;
      start = nl + 1;
      if (!(await emit(bytes, end))) return false;
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carryBytes += chunk.length - start;
      if (carryBytes > MAX_RECORD_BYTES) {
        throw new FileError('record_too_large', `Line ${line + 1} is longer than ${MAX_RECORD_BYTES} bytes.`);
      }
    }
    offset += chunk.length;
  }
  utf8?.end();
  if (carryBytes) return emit(Buffer.concat(carry), offset);
  return true;
}
