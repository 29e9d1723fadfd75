// Runs graphql-codegen against the server at the URL given (its
// introspection over HTTP, as `graphql-codegen` with `schema: <url>` does),
// generating TypeScript types for the schema and for documents/*.graphql
// and, with the client preset, their persisted-documents manifest; and checks that the introspected schema is the committed schema.graphql.
// Exits non-zero on any failure; prints what it checked.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "@graphql-codegen/cli";
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from "graphql";

const [url, manifestDir] = process.argv.slice(2);
if (!url || !manifestDir) {
  console.error("usage: node codegen.mjs URL MANIFEST_DIR");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const fail = (msg) => {
  console.error(msg);
  process.exit(1);
};

const [output] = await generate(
  {
    schema: url,
    documents: join(here, "documents", "*.graphql"),
    silent: true,
    generates: {
      "types.ts": {
        plugins: ["typescript", "typescript-operations"],
        config: { scalars: { Time: "string", Cursor: "string" }, enumsAsTypes: true },
      },
    },
  },
  false,
);
for (const want of ["export type User = Node & {", "export type OverviewQuery = {", "export type PermissionStatus ="]) {
  if (!output?.content.includes(want)) {
    fail(`generated types lack ${JSON.stringify(want)}`);
  }
}
console.log(`codegen ok: ${output.content.length} characters of types`);

// The client preset's persisted documents: the manifest (id → document)
// that TRUSTED_DOCUMENTS loads, written to MANIFEST_DIR/persisted-documents.json.
await generate(
  {
    schema: url,
    documents: join(here, "documents", "*.graphql"),
    silent: true,
    generates: { [join(manifestDir, "/")]: { preset: "client", presetConfig: { persistedDocuments: true, fragmentMasking: false } } },
  },
  true,
);
const manifest = JSON.parse(readFileSync(join(manifestDir, "persisted-documents.json"), "utf8"));
if (Object.keys(manifest).length === 0) {
  fail("the client preset wrote no persisted documents");
}
console.log(`persisted documents ok: ${Object.keys(manifest).join(" ")}`);

// The served schema, introspected as GraphiQL does, is the committed file,
// but for @defer: the server defines it as a built-in, which the printed
// schema leaves out, as clients that support it (Relay, Apollo) know it.
const res = await fetch(url, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({
    query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true, oneOf: true }),
  }),
});
const body = await res.json();
if (body.errors) {
  fail(`introspection: ${JSON.stringify(body.errors)}`);
}
body.data.__schema.directives = body.data.__schema.directives.filter((d) => d.name !== "defer");
const served = printSchema(lexicographicSortSchema(buildClientSchema(body.data)));
const committed = printSchema(lexicographicSortSchema(buildSchema(readFileSync(join(here, "..", "..", "..", "schema.graphql"), "utf8"))));
if (served !== committed) {
  const a = served.split("\n"), b = committed.split("\n");
  const i = a.findIndex((line, k) => line !== b[k]);
  fail(`the served schema differs from schema.graphql at line ${i + 1}:\n  served:    ${a[i]}\n  committed: ${b[i]}`);
}
console.log("introspection ok: the served schema is schema.graphql");
