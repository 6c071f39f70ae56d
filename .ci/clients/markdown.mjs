// Renders Markdown files with markdown-it (GitHub-flavoured tables, raw HTML allowed as
// GitHub's sanitizer partly allows it) and checks what a reader sees: every table row has as
// many cells as its header, no HTML element from people's text made it into the page
// (`details`, `summary`, `script`, `img`, `b`, `i` outside railyard's own), and each line of
// `--expect FILE` is shown whole by some table cell or list item.
//
//   node markdown.mjs [--expect FILE] FILE...
//
// Exits 1 naming each problem.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { expectAndFiles } from './args.mjs';

const require = createRequire(process.env.CLIENTS_DIR + '/package.json');
const { JSDOM } = require('jsdom');
const MarkdownIt = require('markdown-it');
const markdown = new MarkdownIt({ html: true, linkify: true });

const { expected, files } = expectAndFiles(process.argv.slice(2));

let failed = 0;
const shown = [];
for (const file of files) {
  const { document } = new JSDOM(markdown.render(readFileSync(file, 'utf8'))).window;
  let rows = 0;
  for (const table of document.querySelectorAll('table')) {
    const header = table.querySelectorAll('thead th').length;
    for (const row of table.querySelectorAll('tbody tr')) {
      rows += 1;
      const cells = row.querySelectorAll('td');
      if (cells.length !== header) {
        failed += 1;
        console.log(`${file}: a row of ${cells.length} cells under ${header} headers: ${row.textContent}`);
      }
      for (const cell of cells) shown.push(cell.textContent);
    }
  }
  for (const item of document.querySelectorAll('li, h2, h3')) shown.push(item.textContent);
  for (const tag of ['details', 'summary', 'script', 'img', 'b', 'iframe']) {
    for (const element of document.querySelectorAll(tag)) {
      failed += 1;
      console.log(`${file}: a <${tag}> element from the text: ${element.outerHTML.slice(0, 80)}`);
    }
  }
  console.log(`ok      ${file}: ${rows} table rows`);
}
for (const text of expected) {
  if (!shown.some((s) => s.includes(text))) {
    failed += 1;
    console.log(`not shown: ${JSON.stringify(text)}`);
  }
}
if (failed > 0) {
  console.log(`${failed} problem(s) with the Markdown`);
  process.exit(1);
}
