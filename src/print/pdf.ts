import { accessSync, constants } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Browser, Page } from 'playwright-core';

/**
 * Printing HTML to PDF with the distribution's Chromium: it shapes every script (Arabic, Ethiopic, Han, Hangul) with
 * the system's fonts and lays out right-to-left text, which PDF libraries that draw text themselves do not.
 */
export class ChromiumMissingError extends Error {
  constructor(readonly path: string) {
    super(
      `Chromium was not found at ${path} (config key print.chromiumPath). Printing PDFs needs the distribution's Chromium and fonts: ` +
        'apt-get install -y --no-install-recommends chromium fonts-noto-core fonts-noto-cjk',
    );
  }
}

/** playwright-core adds --headless, --no-sandbox and a fresh profile itself. */
const ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'];

export interface PdfPrinter {
  /** One HTML document (its @page rules give the paper size and margins) as a PDF. */
  print(html: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function openPdfPrinter(chromiumPath: string): Promise<PdfPrinter> {
  try {
    accessSync(chromiumPath, constants.X_OK);
  } catch {
    throw new ChromiumMissingError(chromiumPath);
  }
  // Loaded on the first print: playwright-core and pdf-lib add about 100 MB to a process, and every process that builds
  // the services (the server, the roster import) would carry them without printing anything.
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath, headless: true, chromiumSandbox: false, args: ARGS });
  let page: Page | null = null;
  return {
    async print(html) {
      // One tab, reused: a new one per document costs more than the document.
      page ??= await browser.newPage({ javaScriptEnabled: false });
      await page.setContent(html, { waitUntil: 'load' });
      return page.pdf({ preferCSSPageSize: true, printBackground: true });
    },
    close: () => browser.close(),
  };
}

/**
 * Prints documents one after the other into one PDF written to `out`: Chromium holds one chunk at a time, so its
 * memory stays that of a chunk whatever the number of pages. Returns the number of pages.
 */
export async function printChunks(printer: PdfPrinter, chunks: AsyncIterable<string>, out: Writable): Promise<number> {
  const { PDFDocument } = await import('pdf-lib');
  const merged = await PDFDocument.create();
  for await (const html of chunks) {
    const part = await PDFDocument.load(await printer.print(html));
    const pages = await merged.copyPages(part, part.getPageIndices());
    for (const page of pages) merged.addPage(page);
  }
  const bytes = await merged.save();
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), () => resolve());
  });
  return merged.getPageCount();
}
