import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'koa';
import type { BadgeSheetSelection, BadgeSheets } from '../badges/sheets.js';
import { openPdfPrinter } from '../print/pdf.js';

/**
 * Prints badge sheets to a temporary file and streams it as a PDF download: complete before the response starts, so
 * a failure is an error page rather than a truncated file.
 */
export async function sendBadgeSheets(ctx: Context, sheets: BadgeSheets, selection: BadgeSheetSelection, chromiumPath: string, actorId: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-badges-'));
  const file = join(dir, 'badges.pdf');
  const removeFile = () => rmSync(dir, { recursive: true, force: true });
  try {
    const printer = await openPdfPrinter(chromiumPath);
    try {
      await sheets.print(selection, printer, createWriteStream(file), { id: actorId, ip: ctx.state.ip ?? null });
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
  ctx.attachment(sheets.fileName(selection));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}
