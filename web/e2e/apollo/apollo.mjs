// Apollo Client (from npm, in Node) against the real server: the users
// overview, a grant sent as an automatic persisted query inside a batch,
// a persisted query over GET, and a deferred field over multipart/mixed.
// Run by the Go test TestApolloClient (graph/apollo_test.go): node
// apollo.mjs URL, with LATCHKEY_TOKEN, LATCHKEY_USER and LATCHKEY_DEVICES
// (two device ids, comma-separated).
// It prints "ok" and exits 0, or throws.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Defer20220824Handler } from "@apollo/client/incremental";

const [uri, token, userID, devices] = process.argv.slice(2);
const deviceIDs = devices.split(",");
const headers = { authorization: `Bearer ${token}` };

// Every request and the media type of its answer, to check what was sent.
const sent = [];
const fetchLogged = async (url, init) => {
  const res = await fetch(url, init);
  sent.push({ method: init.method, url: String(url), body: init.body ? JSON.parse(init.body) : undefined, contentType: res.headers.get("content-type"), status: res.status });
  return res;
};

const client = (link) => new ApolloClient({ link, cache: new InMemoryCache(), incrementalHandler: new Defer20220824Handler() });

// 1. The overview of users with their permissions.
const plain = client(new HttpLink({ uri, headers, fetch: fetchLogged }));
const OVERVIEW = gql`
  query Overview {
    users(first: 50) {
      totalCount
      edges { node { id name email permissions(first: 20) { totalCount edges { node { id status device { id name } } } } } }
    }
  }
`;
const overview = await plain.query({ query: OVERVIEW, fetchPolicy: "network-only" });
assert.equal(overview.data.users.totalCount, 1);
assert.equal(overview.data.users.edges[0].node.id, userID);
assert.equal(overview.data.users.edges[0].node.permissions.totalCount, 0);

// 2. A grant as a persisted query, batched with a query: the first batch
// sends hashes only and hears PERSISTED_QUERY_NOT_FOUND, the second sends
// the documents; a later grant is known by its hash alone.
const sha256 = (doc) => createHash("sha256").update(doc).digest("hex");
const persisted = client(new PersistedQueryLink({ sha256 }).concat(new BatchHttpLink({ uri, headers, fetch: fetchLogged, batchInterval: 50, batchMax: 10 })));
const GRANT = gql`
  mutation Grant($input: GrantPermissionInput!) {
    grantPermission(input: $input) { permissions { id status device { id } } invitation { id status } }
  }
`;
const USER = gql`
  query User($id: ID!) { node(id: $id) { id ... on User { name } } }
`;
sent.length = 0;
const [granted, user] = await Promise.all([
  persisted.mutate({ mutation: GRANT, variables: { input: { userID, deviceIDs: [deviceIDs[0]] } } }),
  persisted.query({ query: USER, variables: { id: userID }, fetchPolicy: "network-only" }),
]);
assert.equal(granted.data.grantPermission.permissions.length, 1);
assert.equal(granted.data.grantPermission.permissions[0].status, "PENDING");
assert.equal(granted.data.grantPermission.invitation.status, "PENDING");
assert.equal(user.data.node.id, userID);
assert.equal(sent.length, 2, JSON.stringify(sent));
assert.ok(Array.isArray(sent[0].body) && sent[0].body.length === 2, "one batch of two");
for (const op of sent[0].body) {
  assert.equal(op.query, undefined, "hash only first");
  assert.match(op.extensions.persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
}
assert.ok(Array.isArray(sent[1].body) && sent[1].body.every((op) => typeof op.query === "string"), "then the documents");

sent.length = 0;
const again = await persisted.mutate({ mutation: GRANT, variables: { input: { userID, deviceIDs: [deviceIDs[1]] } } });
assert.equal(again.data.grantPermission.permissions[0].device.id, deviceIDs[1]);
assert.equal(sent.length, 1, JSON.stringify(sent));
assert.equal(sent[0].body[0].query, undefined, "a registered document goes by its hash");

// A persisted query over GET: the hash alone is not found (a 400 the link
// reads), the document goes by POST, and from then on the hash alone by GET.
const viaGET = client(new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(new HttpLink({ uri, headers, fetch: fetchLogged })));
const ROLE = gql`
  query Role { viewer { role } }
`;
sent.length = 0;
for (let i = 0; i < 2; i++) {
  const role = await viaGET.query({ query: ROLE, fetchPolicy: "network-only" });
  assert.equal(role.data.viewer.role, "OWNER");
}
assert.deepEqual(sent.map((r) => `${r.method} ${r.status}`), ["GET 400", "POST 200", "GET 200"], JSON.stringify(sent));
assert.ok(!new URL(sent[2].url).searchParams.has("query"), "the hash alone over GET");

// 3. A deferred field: the name first, the permissions later, over
// multipart/mixed.
const DEFERRED = gql`
  query Deferred($id: ID!) {
    node(id: $id) { id ... on User { name ... @defer { permissions(first: 20) { totalCount } } } }
  }
`;
sent.length = 0;
const results = await new Promise((resolve, reject) => {
  const seen = [];
  const sub = plain.watchQuery({ query: DEFERRED, variables: { id: userID }, fetchPolicy: "no-cache" }).subscribe({
    next(r) {
      if (r.error) return reject(r.error);
      seen.push(r);
      if (r.dataState === "complete") { sub.unsubscribe(); resolve(seen); }
    },
    error: reject,
  });
  setTimeout(() => reject(new Error("the deferred part never came: " + JSON.stringify(seen))), 5000);
});
const last = results.at(-1);
assert.equal(last.data.node.permissions.totalCount, 2);
assert.equal(sent.length, 1);
assert.match(sent[0].contentType, /^multipart\/mixed/);
assert.ok(results.some((r) => r.dataState === "streaming"), "a first part before the deferred one: " + JSON.stringify(results.map((r) => r.dataState)));

console.log("ok");
