// Checks railyard's `--format github` workflow commands against @actions/core: each
// `::command props::message` line read from the file given is taken apart, unescaped, and
// issued again through @actions/core's own `issueCommand`; the bytes must be the same.
//
//   node actions-core.mjs FILE
//
// Exits 1 naming each line that differs (or when the file has no workflow command).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.CLIENTS_DIR + '/package.json');
const { issueCommand } = require('@actions/core/lib/command');

const unescape = (text) =>
  text
    .replaceAll('%0D', '\r')
    .replaceAll('%0A', '\n')
    .replaceAll('%3A', ':')
    .replaceAll('%2C', ',')
    .replaceAll('%25', '%');

// What @actions/core writes for a command, captured from its stdout.
function reissued(command, properties, message) {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = (chunk) => {
    out += chunk;
    return true;
  };
  try {
    issueCommand(command, properties, message);
  } finally {
    process.stdout.write = write;
  }
  return out.replace(/\r?\n$/, '');
}

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('::'));
let failed = 0;
for (const line of lines) {
  const match = /^::([a-z-]+)( ([^:]*))?::(.*)$/.exec(line);
  if (!match) {
    failed += 1;
    console.log(`not a workflow command: ${line}`);
    continue;
  }
  const [, command, , props = '', message] = match;
  const properties = {};
  for (const pair of props.split(',').filter((p) => p.length > 0)) {
    const at = pair.indexOf('=');
    properties[pair.slice(0, at)] = unescape(pair.slice(at + 1));
  }
  const expected = reissued(command, properties, unescape(message));
  if (expected === line) {
    console.log(`same    ${command} ${Object.keys(properties).join(',')}`);
  } else {
    failed += 1;
    console.log(`differs\n  railyard:      ${line}\n  @actions/core: ${expected}`);
  }
}
if (lines.length === 0) {
  console.log('no workflow command in the output');
  failed += 1;
}
if (failed > 0) {
  console.log(`${failed} line(s) differ from @actions/core`);
  process.exit(1);
}
