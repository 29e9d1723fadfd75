package enum

// Doc is what the GraphQL contract says of an enumeration: what the type
// is, and what each value means.
type Doc struct {
	Type   string
	Values map[string]string
}

// Docs describes the enumerations whose GraphQL types entgql writes from
// the Ent fields that use them, by GraphQL name; ent/entc.go puts these
// texts into schema/ent.graphql and fails when a value has none.
var Docs = map[string]Doc{
	"Language": {"The language of a user's mails and of an invitation.", map[string]string{
		"EN": "English.",
		"DE": "German.",
		"ES": "Spanish.",
		"FR": "French.",
		"IT": "Italian.",
		"NL": "Dutch.",
		"CS": "Czech.",
		"SK": "Slovak.",
	}},
	"AdminRole": {"What an admin, or an API token, may do in its account.", map[string]string{
		"OWNER":  "Everything, including the account's admins, API tokens and settings.",
		"ADMIN":  "Users, devices, permissions and invitations.",
		"VIEWER": "Reads the overview, door events and audit trail; writes nothing.",
	}},
	"TokenKind": {"What a credential is; stated when it is made, never inferred.", map[string]string{
		"API":     "A named API token with a role of its own, made by an owner.",
		"SESSION": "An admin's session from signIn; it has the admin's role.",
		"APP":     "A user's token from redeemInvitation; it acts as that user.",
	}},
	"AuditAction": {"What an audit record says was done; every write of the API appends exactly one record.", map[string]string{
		"USER_CREATED":              "A user was created.",
		"USER_UPDATED":              "A user's name, email or language changed.",
		"USER_DELETED":              "A user was deleted, with its permissions, invitations and app tokens.",
		"DEVICE_CREATED":            "A device was created.",
		"DEVICE_UPDATED":            "A device's name, type, time zone or vendor id changed.",
		"DEVICE_DELETED":            "A device was deleted, with its permissions.",
		"PERMISSIONS_GRANTED":       "A user was granted permissions on one or more devices, with one invitation (one record per grant).",
		"PERMISSION_UPDATED":        "A permission's restrictions, remote access or enabled flag changed.",
		"PERMISSION_REVOKED":        "A permission was revoked.",
		"INVITATION_RESENT":         "An invitation was sent again, with a new code.",
		"INVITATION_REDEEMED":       "An invitation code was redeemed in a mobile app, activating its permissions.",
		"ADMIN_INVITED":             "An admin was invited by email, with a role.",
		"ADMIN_UPDATED":             "An admin's name, role or disabled flag changed.",
		"ADMIN_DELETED":             "An admin was deleted, with its sessions.",
		"ADMIN_PASSWORD_SET":        "An admin set a password through a one-time link; its sessions ended.",
		"SIGNED_IN":                 "An admin signed in and got a session.",
		"SIGN_IN_FAILED":            "A sign-in with an admin's email failed.",
		"SIGNED_OUT":                "A token ended itself with signOut.",
		"API_TOKEN_CREATED":         "An API token was created.",
		"API_TOKEN_REVOKED":         "An API token or an admin's session was revoked.",
		"APP_TOKEN_REVOKED":         "A user's app token was revoked.",
		"DEVICE_OPERATED":           "A user asked to operate a device: the door log's event, with the decision and the device's outcome (refused requests too).",
		"WEBHOOK_ENDPOINT_CREATED":  "A webhook endpoint was created (its secret is never recorded).",
		"WEBHOOK_ENDPOINT_UPDATED":  "A webhook endpoint's URL, description or event types changed.",
		"WEBHOOK_ENDPOINT_DISABLED": "A webhook endpoint was disabled: by an admin, or by the server after its deliveries failed for about a day.",
		"WEBHOOK_ENDPOINT_ENABLED":  "A disabled webhook endpoint was enabled again.",
		"WEBHOOK_ENDPOINT_DELETED":  "A webhook endpoint was deleted, with its delivery log.",
		"WEBHOOK_SECRET_ROTATED":    "A webhook endpoint got a new signing secret; the previous one signs beside it for a while.",
		"WEBHOOK_REDELIVERED":       "A webhook delivery was queued again on request.",
	}},
	"ActorKind": {"Who did what an audit record says: the credential the request came with, or the server itself.", map[string]string{
		"ADMIN":     "A signed-in admin (a session).",
		"API_TOKEN": "An API token of the account.",
		"APP_TOKEN": "A user's app token.",
		"SYSTEM":    "The server acting on its own: its command line, or a caller without a token it let act (redeeming an invitation code).",
	}},
	"LockState": {"A device's lock state.", map[string]string{
		"LOCKED":    "The door is locked.",
		"UNLOCKED":  "The door is unlocked, and opens with its handle.",
		"UNLATCHED": "The door is unlocked and its latch pulled: it opens with a push.",
	}},
	"DeviceType": {"The kind of hardware a device is.", map[string]string{
		"SMART_LOCK": "A smart lock fitted to a door.",
		"OPENER":     "An opener that releases an entrance door through its intercom or buzzer.",
		"SMART_DOOR": "A door with a smart lock built in.",
		"BOX":        "A key box or parcel box.",
	}},
	"Origin": {"Where a user record came from.", map[string]string{
		"WEB": "Created through this API, by an administrator or an admin app.",
		"APP": "Created from a mobile app, not through this API.",
	}},
	"PermissionStatus": {"The life-cycle state of a permission.", map[string]string{
		"PENDING": "Granted, waiting for its invitation to be redeemed; it opens nothing yet.",
		"ACTIVE":  "The invitation was redeemed; the permission opens the device within its restrictions.",
		"REVOKED": "Ended by an administrator, or by deleting its user or device; it never opens again.",
	}},
	"InvitationStatus": {"The life-cycle state of an invitation.", map[string]string{
		"PENDING":  "Sent and not yet redeemed; its code can be redeemed until expiresAt.",
		"REDEEMED": "Its code was redeemed, which made its permissions ACTIVE.",
		"EXPIRED":  "Not redeemed before expiresAt; its code no longer works. Never stored: read from expiresAt by the server's clock.",
		"REVOKED":  "Before it was redeemed, every permission it covers was revoked, or its user was deleted; its code no longer works.",
	}},
	"DeliveryStatus": {"How far an invitation's mail has got.", map[string]string{
		"NONE":   "No mail goes out; the code was returned to the caller once, who delivers it.",
		"QUEUED": "The mail waits in the outbox to be sent.",
		"SENT":   "The mail server accepted the mail.",
		"FAILED": "The mail was given up: sending failed at its last attempt, or a resend replaced it; the code reached no one by it.",
		"LOGGED": "No mail server is configured: the mail was written to the server's log, and no one received it.",
	}},
	"WebhookDeliveryStatus": {"How far one webhook delivery has got.", map[string]string{
		"PENDING":   "Waiting for its next attempt (retried with exponential backoff for about a day).",
		"DELIVERED": "The endpoint answered with a 2xx status.",
		"FAILED":    "Given up after its last attempt, which disabled the endpoint; redeliverWebhook queues it again.",
	}},
	"LockAction": {"What a user asks a device to do.", map[string]string{
		"UNLOCK":  "Unlock the door.",
		"LOCK":    "Lock the door.",
		"UNLATCH": "Unlock the door and pull the latch, so that it opens with a push.",
	}},
	"AccessReason": {"Why an access decision allowed or refused a request; a refusal names the first rule that refused, in this order.", map[string]string{
		"ALLOWED":             "Allowed.",
		"NO_PERMISSION":       "The user holds no permission on the device.",
		"PENDING_INVITATION":  "The permission's invitation has not been redeemed yet.",
		"REVOKED":             "The permission was revoked.",
		"DISABLED":            "The permission is disabled (enabled is false).",
		"NOT_YET_VALID":       "The instant lies before the permission's validFrom.",
		"EXPIRED":             "The instant lies at or after the permission's validUntil.",
		"WRONG_WEEKDAY":       "The day, in the device's time zone, is not one of the permission's weekdays.",
		"OUTSIDE_TIME_WINDOW": "The time of day, in the device's time zone, lies outside the permission's daily window.",
		"REMOTE_NOT_ALLOWED":  "The request is remote (through the server), and the permission does not allow remote opening.",
	}},
	"DeviceOutcome": {"What became of a request to operate a device.", map[string]string{
		"REFUSED": "Refused by the access decision; never sent to the device.",
		"SENT":    "Allowed and passed to the device, whose answer was not recorded (yet).",
		"DONE":    "The device acted.",
		"FAILED":  "The device did not act.",
	}},
}
