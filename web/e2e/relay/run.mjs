// Sends the text of every query relay-compiler made (compile.mjs first) to
// the server at the URL given, with the token given, as the Relay network
// layer would, and exits non-zero unless each answers data without errors.
// Prints one line per query: "<name> ok".
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: node run.mjs URL TOKEN");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = readdirSync(join(here, "src"), { recursive: true })
  .filter((p) => /__generated__\/\w+Query\.graphql\.ts$/.test(p))
  .sort();
if (artifacts.length === 0) {
  console.error("no compiled queries: run compile.mjs first");
  process.exit(1);
}
let failed = false;
for (const p of artifacts) {
  const source = readFileSync(join(here, "src", p), "utf8");
  const name = /"name": "(\w+)",\s*"operationKind": "query"/.exec(source)?.[1];
  const text = /"text": ("(?:[^"\\]|\\.)*")/.exec(source)?.[1];
  if (!name || !text) {
    console.error(`${p}: no operation text in the artifact`);
    failed = true;
    continue;
  }
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: JSON.parse(text), variables: {} }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors || !body.data) {
    console.error(`${name}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    failed = true;
    continue;
  }
  console.log(`${name} ok`);
}
process.exit(failed ? 1 : 0);
