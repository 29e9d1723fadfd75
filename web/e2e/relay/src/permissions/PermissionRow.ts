// One permission: its device, restrictions and invitation.
import { graphql } from "relay-runtime";

export const permissionRowFragment = graphql`
  fragment PermissionRow_permission on Permission {
    id
    status
    remoteAllowed
    schedule
    device {
      id
      name
      timeZone
    }
    restrictions {
      validFrom
      validUntil
      weekdays
      dailyFrom
      dailyUntil
    }
    invitation {
      id
      status
      delivery
      expiresAt
    }
  }
`;
