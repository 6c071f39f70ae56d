// The command line of the checks that hold output to an expected text:
// `[--expect FILE] FILE...`, FILE's lines (the texts that must be shown) and the files read.
import { readFileSync } from 'node:fs';

export function expectAndFiles(args) {
  let expected = [];
  const files = [];
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--expect') {
      expected = readFileSync(args[i + 1], 'utf8').split('\n').filter((l) => l.length > 0);
      i += 1;
    } else {
      files.push(args[i]);
    }
  }
  return { expected, files };
}
