// Runs graphql-codegen against the server at the URL given (its
// introspection over HTTP, as `graphql-codegen` with `schema: <url>` does),
// generating TypeScript types for the schema and for documents/*.graphql,
// and checks that the introspected schema is the committed schema.graphql.
// Exits non-zero on any failure; prints what it checked.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "@graphql-codegen/cli";
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from "graphql";

const [url] = process.argv.slice(2);
if (!url) {
  console.error("usage: node codegen.mjs URL");
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
