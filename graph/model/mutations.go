package model

import (
	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/door"
	"github.com/latchkey/latchkey/internal/grant"
)

// The mutation inputs and payloads that the domain already has a type for
// embed it and add the one field that is the API's alone: clientMutationId,
// a client's label for a request, echoed back and never stored. Keeping it
// out of the domain types also keeps it out of what idempotencyKey compares.

// CreateUserInput is the input of createUser.
type CreateUserInput struct {
	ent.CreateUserInput
	ClientMutationID *string
}

// UpdateUserInput is the input of updateUser.
type UpdateUserInput struct {
	ent.UpdateUserInput
	ClientMutationID *string
}

// CreateDeviceInput is the input of createDevice.
type CreateDeviceInput struct {
	ent.CreateDeviceInput
	ClientMutationID *string
}

// UpdateDeviceInput is the input of updateDevice.
type UpdateDeviceInput struct {
	ent.UpdateDeviceInput
	ClientMutationID *string
}

// GrantPermissionInput is the input of grantPermission.
type GrantPermissionInput struct {
	grant.Input
	ClientMutationID *string
}

// UpdatePermissionInput is the input of updatePermission.
type UpdatePermissionInput struct {
	grant.Patch
	ClientMutationID *string
}

// DeleteUserPayload is the result of deleteUser.
type DeleteUserPayload struct {
	*grant.UserDeletion
	ClientMutationID *string
}

// DeleteDevicePayload is the result of deleteDevice.
type DeleteDevicePayload struct {
	*grant.DeviceDeletion
	ClientMutationID *string
}

// GrantPermissionPayload is the result of grantPermission.
type GrantPermissionPayload struct {
	*grant.Result
	ClientMutationID *string
}

// ResendInvitationPayload is the result of resendInvitation.
type ResendInvitationPayload struct {
	*grant.Result
	ClientMutationID *string
}

// RedeemInvitationPayload is the result of redeemInvitation.
type RedeemInvitationPayload struct {
	*grant.Redemption
	ClientMutationID *string
}

// OperateDevicePayload is the result of operateDevice.
type OperateDevicePayload struct {
	*door.Operation
	ClientMutationID *string
}
