// Compiles every JSON Schema given on the command line with Ajv's draft 2020-12 validator in
// strict mode, as SchemaStore's CI does (with ajv-formats for the standard formats). Exits 1
// naming each schema that does not compile.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.env.CLIENTS_DIR + '/package.json');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

let failed = 0;
for (const file of process.argv.slice(2)) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  try {
    ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
    console.log(`ok      ${file}`);
  } catch (e) {
    failed += 1;
    console.log(`refused ${file}: ${e.message}`);
  }
}
if (failed > 0) {
  console.log(`${failed} schema(s) refused by Ajv 2020 in strict mode`);
  process.exit(1);
}
