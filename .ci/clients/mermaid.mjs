// Parses every Mermaid diagram of the files given with the `mermaid` package in Node (jsdom,
// no browser), and checks that the text a reader would see is the text written: each line of
// the `--expect FILE` list must be shown whole by some label, task name or title.
//
//   node mermaid.mjs [--expect FILE] FILE...   (Markdown: its ```mermaid blocks; else: one diagram)
//
// Exits 1 naming each diagram that does not parse and each expected text not shown.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { expectAndFiles } from './args.mjs';

const require = createRequire(process.env.CLIENTS_DIR + '/package.json');
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(require.resolve('mermaid'));
mermaid.initialize({ startOnLoad: false });

const { expected, files } = expectAndFiles(process.argv.slice(2));

// What a reader sees of a label: Mermaid's entity codes decoded, then the HTML (our own
// <br/> and <i>) rendered to text.
function shown(text) {
  const decoded = String(text)
    .replaceAll('ﬂ°°', '&#')
    .replaceAll('ﬂ°', '&')
    .replaceAll('¶ß', ';')
    .replace(/<br\s*\/?>/g, '\n');
  const div = document.createElement('div');
  div.innerHTML = decoded;
  return div.textContent;
}

let failed = 0;
const seen = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const blocks = file.endsWith('.md')
    ? [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1])
    : [text];
  for (const [n, block] of blocks.entries()) {
    const where = `${file} diagram ${n + 1}`;
    try {
      const diagram = await mermaid.mermaidAPI.getDiagramFromText(block);
      const db = diagram.db;
      const texts = [];
      if (db.getVertices) {
        for (const v of db.getVertices().values()) texts.push(...shown(v.text).split('\n'));
      }
      if (db.getTasks) {
        for (const t of db.getTasks()) texts.push(shown(t.task).trim());
      }
      if (db.getDiagramTitle) texts.push(shown(db.getDiagramTitle()));
      seen.push(...texts);
      console.log(`ok      ${where}: ${texts.length} texts`);
    } catch (e) {
      failed += 1;
      console.log(`refused ${where}: ${String(e.message).split('\n')[0]}`);
    }
  }
}
for (const text of expected) {
  if (!seen.some((s) => s.includes(text))) {
    failed += 1;
    console.log(`not shown: ${JSON.stringify(text)}`);
  }
}
if (failed > 0) {
  console.log(`${failed} problem(s) with Mermaid output`);
  process.exit(1);
}
