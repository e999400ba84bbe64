import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Context } from 'koa';
import type { LetterLanguage, LetterSelection, Letters } from '../letters/letters.js';
import { openPdfPrinter, type PdfPrinter } from '../print/pdf.js';

/** `?lang=` of a letters download: a language code, or `auto` (each student's home language) when absent. */
export function letterLanguage(ctx: Context): LetterLanguage {
  return typeof ctx.query.lang === 'string' && ctx.query.lang ? ctx.query.lang : 'auto';
}

/** Prints the letters to a temporary file and streams it as a PDF download (see sendPdf). */
export function sendLetters(ctx: Context, letters: Letters, selection: LetterSelection, chromiumPath: string, actorId: string): Promise<void> {
  return sendPdf(ctx, letters.fileName(selection), chromiumPath, (printer, out) => letters.print(selection, printer, out, { id: actorId, ip: ctx.state.ip ?? null }));
}

/**
 * Prints to a temporary file and streams it as a PDF download. The file is complete before the response starts, so a
 * failure (Chromium missing, a bad page) is an error page rather than a truncated file.
 */
export async function sendPdf(ctx: Context, fileName: string, chromiumPath: string, print: (printer: PdfPrinter, out: Writable) => Promise<unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-letters-'));
  const file = join(dir, 'letters.pdf');
  const removeFile = () => rmSync(dir, { recursive: true, force: true });
  try {
    const printer = await openPdfPrinter(chromiumPath);
    try {
      await print(printer, createWriteStream(file));
    } finally {
      await printer.close();
    }
  } catch (error) {
    removeFile();
    throw error;
  }
  const body = createReadStream(file);
  body.once('close', removeFile);
  ctx.type = 'application/pdf';
  ctx.attachment(fileName);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}
