// `npm run contract`: writes contract/strategies.json from the TypeScript registry and constants
// (src/results/contract.ts) and the strategy table between its markers in README.md and docs/design.md.
// `--check` writes nothing and exits 1 when any of them is stale (test/contract.test.ts does the same).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONTRACT_PATH, contractText, TABLE_DOCS, withStrategyTable } from '../src/results/contract.js';

const check = process.argv.includes('--check');
const wanted: [string, string][] = [[CONTRACT_PATH, contractText()]];
for (const doc of TABLE_DOCS) {
  const text = withStrategyTable(readFileSync(doc, 'utf8'));
  if (text === null) {
    process.stderr.write(`contract: ${doc} has no strategy-table markers\n`);
    process.exit(1);
  }
  wanted.push([doc, text]);
}
let stale = 0;
for (const [path, text] of wanted) {
  let now = '';
  try {
    now = readFileSync(path, 'utf8');
  } catch {
    // missing: stale
  }
  if (now === text) continue;
  stale++;
  if (check) process.stderr.write(`contract: ${path} is stale: run npm run contract\n`);
  else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    process.stdout.write(`contract: wrote ${path}\n`);
  }
}
if (check && stale) process.exit(1);
