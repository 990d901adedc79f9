package emulator

import (
	"github.com/patctl/patctl/internal/emulator/accounts"
	"github.com/patctl/patctl/internal/emulator/devops"
	"github.com/patctl/patctl/internal/emulator/entra"
)

// newAccounts makes the fake of the Profile and Accounts APIs. Who belongs
// to which organization is Azure DevOps' setting: the orgs, with their
// members and owner.
func (e *Emulator) newAccounts() *accounts.Service {
	orgs := func(keep func(devops.Org, *entra.Directory) bool) []accounts.Org {
		var out []accounts.Org
		cfg := e.devopsConfig()
		for _, o := range cfg.Orgs {
			if keep(o, &cfg.Directory) {
				out = append(out, accounts.Org{Name: o.Name, ID: o.ID})
			}
		}
		return out
	}
	return accounts.New(accounts.Options{
		IdP:       e.entra,
		Resource:  AzureDevOpsResource,
		Directory: func() entra.Directory { return e.devopsConfig().Directory },
		MemberOf: func(u entra.User) []accounts.Org {
			return orgs(func(o devops.Org, dir *entra.Directory) bool { return o.HasMember(u, dir) })
		},
		OwnerOf: func(u entra.User) []accounts.Org {
			return orgs(func(o devops.Org, _ *entra.Directory) bool { return o.IsOwner(u) })
		},
		// The identity service of an organization: the emulator serves it at
		// its root, as vssps.dev.azure.com does.
		OrgURL: func(name string) string { return e.srv.URL() + "/" + name + "/" },
		BOM:    func() bool { return e.devopsConfig().ResponseBOM },
	})
}

// ProfileID is the id of a user's Azure DevOps profile (not the Entra object
// id): what the Accounts API takes as memberId.
func ProfileID(objectID string) string { return accounts.ProfileID(objectID) }
