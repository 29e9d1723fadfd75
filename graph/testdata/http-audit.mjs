// Runs the graphql-http package's audit of the GraphQL-over-HTTP
// specification against the URL given, and prints one JSON line per
// result that is not "ok".
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url, fetchFn: (input, init) => fetch(input, init) });
for (const r of results) {
  if (r.status !== 'ok') console.log(JSON.stringify({ status: r.status, id: r.id, name: r.name, reason: r.reason }));
}
console.log(JSON.stringify({ total: results.length }));
