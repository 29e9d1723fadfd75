// One user of the overview, with the first page of their permissions.
import { graphql } from "relay-runtime";

export const userRowFragment = graphql`
  fragment UserRow_user on User
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "Cursor" }) {
    id
    name
    email
    language
    permissions(first: $count, after: $cursor) @connection(key: "UserRow_permissions") {
      totalCount
      edges {
        node {
          id
          ...PermissionRow_permission
        }
      }
    }
  }
`;
