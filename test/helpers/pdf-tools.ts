import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebClient } from './web-client.js';

/** Tests read PDFs with poppler-utils (pdftotext, pdftoppm) and decode QR codes with zbar-tools (zbarimg). */

export function pdfText(file: string, page?: number): string {
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-enc', 'UTF-8', ...range, file, '-'], { encoding: 'utf8' });
}

export function pdfPages(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info)![1]);
}

export interface Word {
  text: string;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** The words of one page with their boxes, and the page's width (points). */
export function pdfWords(file: string, page: number): { width: number; words: Word[] } {
  const html = execFileSync('pdftotext', ['-bbox', '-enc', 'UTF-8', '-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' });
  const width = Number(/<page width="([\d.]+)"/.exec(html)![1]);
  const words = [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
    xMin: Number(m[1]),
    yMin: Number(m[2]),
    xMax: Number(m[3]),
    yMax: Number(m[4]),
    text: m[5],
  }));
  return { width, words };
}

/** The QR codes zbarimg finds on a page rendered at 150 dpi. */
export function qrCodes(file: string, page: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-qr-'));
  try {
    // 300 dpi, about what a phone's camera resolves of a printed sheet held up to it; much lower and zbar may miss
    // one of several codes on a page that a camera reads.
    execFileSync('pdftoppm', ['-r', '300', '-f', String(page), '-l', String(page), '-png', file, join(dir, 'page')]);
    const image = join(dir, readdirSync(dir)[0]);
    return execFileSync('zbarimg', ['--quiet', '--raw', image], { encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PDF download made with a browser's cookies, saved under `dir` for the tools above (the web client reads text). */
export async function downloadPdf(browser: WebClient, url: string, dir: string) {
  const response = await fetch(url, { headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, redirect: 'manual' });
  const body = Buffer.from(await response.arrayBuffer());
  const file = join(dir, `${randomUUID()}.pdf`);
  writeFileSync(file, body);
  return { response, body, file };
}
