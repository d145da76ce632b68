// Lighthouse on each page given, in one Chromium (Debian's: CHROME_PATH), for tests/support/quality.py.
//
//   CHROME_PATH=/usr/bin/chromium node tests/support/lighthouse.mjs CATEGORIES FLAGS URL...
//
// CATEGORIES: comma-separated (seo,accessibility,best-practices); FLAGS: Chromium's, space-separated.
// Prints one JSON object: for each URL, each category's score and the audits that count and failed.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const [categories, flags, ...urls] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({chromeFlags: flags.split(' ').filter(Boolean)});
const results = {};
try {
  for (const url of urls) {
    const run = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: categories.split(','),
      // A page read on a desktop and on a phone alike; throttling would only slow the run down.
      formFactor: 'mobile',
      throttlingMethod: 'provided',
    });
    const report = run.lhr;
    const page = {categories: {}, failed: [], warnings: report.runWarnings, error: report.runtimeError || null};
    for (const [id, category] of Object.entries(report.categories)) {
      page.categories[id] = category.score;
      for (const ref of category.auditRefs) {
        const audit = report.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
          page.failed.push({category: id, id: ref.id, title: audit.title, score: audit.score});
        }
      }
    }
    results[url] = page;
  }
} finally {
  await chrome.kill();
}
process.stdout.write(JSON.stringify(results));
