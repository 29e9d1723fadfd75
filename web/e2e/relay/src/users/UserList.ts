// The overview of the account: its users, a page at a time, each with its
// permissions (UserRow). The console's first screen.
import { graphql } from "relay-runtime";

export const userListQuery = graphql`
  query UserListQuery($count: Int = 50, $cursor: Cursor) {
    ...UserList_query @arguments(count: $count, cursor: $cursor)
  }
`;

export const userListFragment = graphql`
  fragment UserList_query on Query
  @refetchable(queryName: "UserListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 50 }, cursor: { type: "Cursor" }) {
    users(first: $count, after: $cursor, orderBy: { field: NAME, direction: ASC })
      @connection(key: "UserList_users") {
      totalCount
      edges {
        node {
          id
          ...UserRow_user
        }
      }
    }
  }
`;
