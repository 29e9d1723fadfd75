// Compiles the Relay documents under src/ against the committed
// schema.graphql (relay.config.json), writing the artifacts into
// src/**/__generated__/ (not committed). Exits non-zero when relay-compiler
// refuses the schema or a document.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(join(here, "node_modules", ".bin", "relay-compiler"), [], {
  cwd: here,
  encoding: "utf8",
  env: { ...process.env, NO_COLOR: "1" },
  timeout: 120_000,
});
process.stdout.write(r.stdout ?? "");
process.stderr.write(r.stderr ?? "");
if (r.status !== 0) {
  console.error(`relay-compiler exited with ${r.status ?? r.signal ?? r.error}`);
  process.exit(1);
}
