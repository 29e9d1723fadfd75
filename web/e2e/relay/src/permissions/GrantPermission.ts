// Grants a user one or many devices; the new permissions are appended to the
// user's connection in the store (UserRow_permissions), by the connection's
// ID that the caller passes in $connections.
import { graphql } from "relay-runtime";

export const grantPermissionMutation = graphql`
  mutation GrantPermissionMutation($input: GrantPermissionInput!, $connections: [ID!]!) {
    grantPermission(input: $input) {
      permissions @appendNode(connections: $connections, edgeTypeName: "PermissionEdge") {
        id
        ...PermissionRow_permission
      }
      invitation {
        id
        status
        expiresAt
      }
    }
  }
`;
