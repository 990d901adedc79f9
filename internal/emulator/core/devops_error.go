package core

// DevOpsError is Azure DevOps' error envelope: the body of the refusals of
// every fake of an Azure DevOps service (the PAT API, accounts, profiles).
type DevOpsError struct {
	ID             string  `json:"$id"`
	InnerException *string `json:"innerException"`
	Message        string  `json:"message"`
	TypeName       string  `json:"typeName"`
	TypeKey        string  `json:"typeKey"`
	ErrorCode      int     `json:"errorCode"`
	EventID        int     `json:"eventId"`
}

// NewDevOpsError is the envelope of an exception of type typeName (its key
// typeKey), as the service writes it.
func NewDevOpsError(message, typeName, typeKey string) DevOpsError {
	return DevOpsError{ID: "1", Message: message, TypeName: typeName, TypeKey: typeKey, EventID: 3000}
}

// VersionError is a refused api-version, with the exception the service
// names (VssVersionNotSpecifiedException, …). Each service has its own rules
// for which versions it serves; the refusal reads the same.
type VersionError struct {
	TypeKey string
	Message string
}

func (v *VersionError) Error() string { return v.Message }

// Body is the refusal's envelope.
func (v *VersionError) Body() DevOpsError {
	return NewDevOpsError(v.Message, "Microsoft.VisualStudio.Services.WebApi."+v.TypeKey+", Microsoft.VisualStudio.Services.WebApi", v.TypeKey)
}
