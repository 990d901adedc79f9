package accounts

import (
	"encoding/json"
	"time"
)

// Wire structs of the Accounts and Profile APIs, from the official files
// (testdata/spec). Kept apart from the client's on purpose.

// wireAccounts is the list as the service sends it: the collection wrapper
// of the example ({count, value}), not the bare array of the OpenAPI schema.
type wireAccounts struct {
	Count int           `json:"count"`
	Value []wireAccount `json:"value"`
}

// wireAccount has the fields of the official example; the schema's others
// (accountOwner, accountStatus, …) are not in a member's list.
type wireAccount struct {
	AccountID   string         `json:"accountId"`
	AccountURI  string         `json:"accountUri"`
	AccountName string         `json:"accountName"`
	Properties  map[string]any `json:"properties"`
}

// wireFlatProfile is the profile as the official example shows it, an answer
// to api-version 1.0: publicAlias is the id.
type wireFlatProfile struct {
	DisplayName  string      `json:"displayName"`
	PublicAlias  string      `json:"publicAlias"`
	EmailAddress string      `json:"emailAddress"`
	CoreRevision int         `json:"coreRevision"`
	TimeStamp    profileTime `json:"timeStamp"`
	ID           string      `json:"id"`
	Revision     int         `json:"revision"`
}

// wireProfile is the Profile of the 7.1 schema, as the service answers
// 7.1-preview.1 (vsts-rest-api-specs#696 shows one): the person's details are
// core attributes.
type wireProfile struct {
	CoreAttributes map[string]*wireCoreAttribute `json:"coreAttributes"`
	CoreRevision   int                           `json:"coreRevision"`
	TimeStamp      profileTime                   `json:"timeStamp"`
	ID             string                        `json:"id"`
	Revision       int                           `json:"revision"`
	ProfileState   string                        `json:"profileState"`
}

// wireCoreAttribute is a CoreProfileAttribute (ProfileAttributeBase).
type wireCoreAttribute struct {
	Descriptor wireDescriptor `json:"descriptor"`
	Value      any            `json:"value"`
	TimeStamp  profileTime    `json:"timeStamp"`
	Revision   int            `json:"revision"`
}

type wireDescriptor struct {
	AttributeName string `json:"attributeName"`
	ContainerName string `json:"containerName"`
}

// profileTime is written as .NET writes a DateTimeOffset, as in the example:
// "2014-05-12T22:23:07.727+00:00".
type profileTime struct{ time.Time }

func (t profileTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05.999-07:00"))
}

// flatProfile is c's profile in the example's shape. A service principal's
// has no name and no address.
func flatProfile(c caller) wireFlatProfile {
	id := c.profileID()
	p := wireFlatProfile{PublicAlias: id, ID: id, CoreRevision: 1, Revision: 1, TimeStamp: profileTime{profileTime0}}
	if !c.app {
		p.DisplayName, p.EmailAddress = c.user.Name, c.user.UPN
	}
	return p
}

// schemaProfile is c's profile in the 7.1 schema's shape; a service
// principal's core attributes are there, empty.
func schemaProfile(c caller) wireProfile {
	id := c.profileID()
	p := wireProfile{CoreAttributes: map[string]*wireCoreAttribute{}, CoreRevision: 1, Revision: 1, TimeStamp: profileTime{profileTime0}, ID: id, ProfileState: "custom"}
	values := map[string]any{"DisplayName": c.user.Name, "PublicAlias": id, "EmailAddress": c.user.UPN, "CountryName": "", "Avatar": nil}
	for name, v := range values {
		if c.app {
			p.CoreAttributes[name] = nil
			continue
		}
		p.CoreAttributes[name] = &wireCoreAttribute{Descriptor: wireDescriptor{AttributeName: name, ContainerName: "Core"}, Value: v, TimeStamp: profileTime{profileTime0}, Revision: 1}
	}
	return p
}
