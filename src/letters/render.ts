import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import QRCode from 'qrcode';

const VIEWS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views');
const FILE = join(VIEWS, 'letters', 'letters.ejs');

let template: ((data: Record<string, unknown>) => string) | null = null;

/** The letters' document (views/letters/letters.ejs): one sheet per page object, each in its own language. */
export function renderLetters(data: Record<string, unknown>): string {
  template ??= ejs.compile(readFileSync(FILE, 'utf8'), { filename: FILE, views: [VIEWS] });
  return template(data);
}

/**
 * An address as an inline SVG QR code (medium error correction survives a folded or smudged letter). `margin` is the
 * quiet zone in modules: the standard's 4 for a card held up to a camera next to other cards' codes.
 */
export function qrSvg(text: string, margin = 2): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin });
}
