import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Context } from 'koa';
import { openPdfPrinter, type PdfPrinter } from '../print/pdf.js';

/**
 * Prints to a temporary file and streams it as a PDF download (letters, re-claim sheets, badge sheets). The file is
 * complete before the response starts, so a failure (Chromium missing, a bad page) is an error page rather than a
 * truncated file.
 */
export async function sendPdf(ctx: Context, fileName: string, chromiumPath: string, print: (printer: PdfPrinter, out: Writable) => Promise<unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-pdf-'));
  const file = join(dir, 'print.pdf');
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
