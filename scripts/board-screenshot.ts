// A screenshot of a running board for the README: npx tsx scripts/board-screenshot.ts <url> <file.png>
// (default: the sandbox board, docs/board.png). Uses Debian's Chromium through puppeteer-core.
import { launchBrowser } from '../test/helpers/browser.js';

const [url = `http://127.0.0.1:${process.env.BOARD_PORT ?? 7080}/`, file = 'docs/board.png'] = process.argv.slice(2);
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  console.log(`screenshot of ${url}: ${file}`);
} finally {
  await browser.close();
}
