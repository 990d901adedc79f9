package main

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/vargroups"
)

// emulatorVarGroup sets up and reads back the variable groups of the
// emulator's default organization:
//
//	emulator vargroup-var PROJECT/GROUP/VARIABLE FILE   write the variable's value (secret too) and a newline to FILE
//	emulator vargroup-add PROJECT JSON                  add a group (vargroups.Group)
//	emulator vargroup-role ROLE                         the default user's role on every group
func emulatorVarGroup(ts *testscript.TestScript, em *emulator.Emulator, args []string) {
	switch {
	case args[0] == "vargroup-var" && len(args) == 3:
		ref := strings.Split(args[1], "/")
		if len(ref) != 3 {
			ts.Fatalf("usage: emulator vargroup-var PROJECT/GROUP/VARIABLE FILE")
		}
		v, ok := em.VariableGroups().Value(emulator.DefaultOrg, ref[0], ref[1], ref[2])
		if !ok || v.Value == nil {
			ts.Fatalf("no value for %s", args[1])
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(*v.Value+"\n"), 0o600))
	case args[0] == "vargroup-add" && len(args) == 3:
		var g vargroups.Group
		ts.Check(json.Unmarshal([]byte(args[2]), &g))
		em.VariableGroups().Add(emulator.DefaultOrg, args[1], g)
	case args[0] == "vargroup-role" && len(args) == 2:
		em.VariableGroups().SetRole(emulator.DefaultUserUPN, args[1])
	default:
		ts.Fatalf("usage: emulator vargroup-var PROJECT/GROUP/VARIABLE FILE | vargroup-add PROJECT JSON | vargroup-role ROLE")
	}
}
