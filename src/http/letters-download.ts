import type { Context } from 'koa';
import type { LetterLanguage, LetterSelection, Letters } from '../letters/letters.js';
import { sendPdf } from './pdf-download.js';

/** `?lang=` of a letters download: a language code, or `auto` (each student's home language) when absent. */
export function letterLanguage(ctx: Context): LetterLanguage {
  return typeof ctx.query.lang === 'string' && ctx.query.lang ? ctx.query.lang : 'auto';
}

/** Prints the letters to a temporary file and streams it as a PDF download (see sendPdf). */
export function sendLetters(ctx: Context, letters: Letters, selection: LetterSelection, chromiumPath: string, actorId: string): Promise<void> {
  return sendPdf(ctx, letters.fileName(selection), chromiumPath, (printer, out) => letters.print(selection, printer, out, { id: actorId, ip: ctx.state.ip ?? null }));
}
