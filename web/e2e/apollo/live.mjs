// Apollo Client with GraphQLWsLink (graphql-ws) against the real server, as
// a client developer would wire it: subscriptions over WebSocket, the rest
// over HTTP (split). It watches the users overview, subscribes to changes,
// revokes a permission and deletes a user over plain HTTP (outside Apollo),
// and checks that the watched overview follows from the changes alone,
// without a refetch. Run by graph/apollo_test.go's TestApolloLiveCache:
//   node live.mjs URL TOKEN USER_WITH_PERMISSION PERMISSION OTHER_USER
// It prints "ok" and exits 0, or throws.
import assert from "node:assert/strict";
import WebSocket from "ws";
import { ApolloClient, HttpLink, InMemoryCache, gql, ApolloLink } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";

const [uri, token, userID, permID, otherID] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}` };

let httpRequests = 0;
const countingFetch = (url, init) => { httpRequests++; return fetch(url, init); };
const wsClient = createClient({ url: uri.replace(/^http/, "ws"), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0 });
const link = ApolloLink.split(
  ({ query }) => { const d = getMainDefinition(query); return d.kind === "OperationDefinition" && d.operation === "subscription"; },
  new GraphQLWsLink(wsClient),
  new HttpLink({ uri, headers, fetch: countingFetch }),
);
// The IDs are unique across types (Node), so the cache keys objects by id
// alone, and a deletedID names a cache entry.
const cache = new InMemoryCache({ dataIdFromObject: (o) => o.id });
const client = new ApolloClient({ link, cache });

const OVERVIEW = gql`
  query Overview {
    users(first: 50) { totalCount edges { node { id name permissions(first: 20) { totalCount edges { node { id status } } } } } }
  }
`;
const CHANGES = gql`
  subscription Changes { changes { eventID action deletedID refetch node { id ... on Permission { id status } } } }
`;
const post = async (query, variables) => {
  const res = await fetch(uri, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
};
const statusOf = (data) => data.users.edges.find((e) => e.node.id === userID).node.permissions.edges.find((e) => e.node.id === permID).node.status;

const results = [];
const watched = client.watchQuery({ query: OVERVIEW });
const watching = watched.subscribe({ next: (r) => results.push(r) });
const until = async (what, ok) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), `timed out waiting for ${what}`);
};
await until("the overview", () => results.some((r) => r.data && r.data.users));
assert.notEqual(statusOf(results.at(-1).data), "REVOKED");
assert.equal(httpRequests, 1);

const changes = [];
const sub = client.subscribe({ query: CHANGES }).subscribe({ next: (r) => changes.push(r), error: (e) => changes.push({ error: String(e) }) });
// Write until the subscription is known to follow the feed.
for (let i = 0; i < 50 && changes.length === 0; i++) {
  await post(`mutation($in: CreateDeviceInput!) { createDevice(input: $in) { device { id } } }`, { in: { name: `Warm-up ${i}`, timeZone: "Europe/Berlin" } });
  await new Promise((r) => setTimeout(r, 200));
}
assert.ok(changes.length > 0, "the subscription received none of 50 writes");
assert.equal(changes[0].error, undefined, changes[0].error);

// A revocation over HTTP: the change's node updates the cached permission.
await post(`mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, { id: permID });
const revoked = () => changes.find((c) => c.data?.changes.action === "PERMISSION_REVOKED");
await until("the revocation's change", revoked);
assert.equal(revoked().data.changes.node.id, permID);
assert.equal(revoked().data.changes.node.status, "REVOKED");
await until("the watched overview to show REVOKED", () => statusOf(results.at(-1).data) === "REVOKED");
assert.equal(statusOf(client.readQuery({ query: OVERVIEW })), "REVOKED");
assert.equal(httpRequests, 1, "no refetch");

// A deleted user: the change names it by deletedID; the client evicts it.
await post(`mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, { id: otherID });
const deleted = () => changes.find((c) => c.data?.changes.deletedID === otherID);
await until("the deletion's change", deleted);
const before = results.length;
// As Change.deletedID says: drop it from every list that holds it (here
// the users connection), then evict it and collect what only it held.
const gone = deleted().data.changes.deletedID;
cache.modify({
  fields: {
    users(existing, { readField }) {
      const edges = existing.edges.filter((e) => readField("id", e.node) !== gone);
      return { ...existing, edges, totalCount: existing.totalCount - (existing.edges.length - edges.length) };
    },
  },
});
cache.evict({ id: gone });
cache.gc();
await until("the watched overview without the deleted user", () => results.length > before && !results.at(-1).data?.users.edges.some((e) => e.node?.id === otherID));
assert.equal(results.at(-1).data.users.totalCount, 1);
assert.equal(httpRequests, 1, "no refetch after the eviction");

sub.unsubscribe();
watching.unsubscribe();
await wsClient.dispose();
console.log("ok");
