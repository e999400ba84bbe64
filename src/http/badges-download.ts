import type { Context } from 'koa';
import type { BadgeSheetSelection, BadgeSheets } from '../badges/sheets.js';
import { sendPdf } from './pdf-download.js';

/** Prints badge sheets and streams them as a PDF download (see sendPdf). */
export function sendBadgeSheets(ctx: Context, sheets: BadgeSheets, selection: BadgeSheetSelection, chromiumPath: string, actorId: string): Promise<void> {
  return sendPdf(ctx, sheets.fileName(selection), chromiumPath, (printer, out) => sheets.print(selection, printer, out, { id: actorId, ip: ctx.state.ip ?? null }));
}
