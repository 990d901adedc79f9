package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/patctl/patctl/internal/atomicfile"
	"go.yaml.in/yaml/v3"
)

// EnvProfile selects a profile of the config file when --profile is not given.
const EnvProfile = "PATCTL_PROFILE"

// DefaultProfile is used when no profile is named.
const DefaultProfile = "default"

// Profile is a named set of defaults. Precedence: flag > environment >
// profile > built-in default.
type Profile struct {
	Org      string `yaml:"org,omitempty" toml:"org,omitempty"`
	Tenant   string `yaml:"tenant,omitempty" toml:"tenant,omitempty"`
	ClientID string `yaml:"client-id,omitempty" toml:"client-id,omitempty"`
	Scopes   string `yaml:"scopes,omitempty" toml:"scopes,omitempty"`
	Account  string `yaml:"account,omitempty" toml:"account,omitempty"`
}

// ProfileKeys are the settings a profile holds, as `patctl config` names them.
var ProfileKeys = []string{"org", "tenant", "client-id", "scopes", "account"}

func (p *Profile) field(key string) (*string, error) {
	switch key {
	case "org":
		return &p.Org, nil
	case "tenant":
		return &p.Tenant, nil
	case "client-id":
		return &p.ClientID, nil
	case "scopes":
		return &p.Scopes, nil
	case "account":
		return &p.Account, nil
	}
	return nil, fmt.Errorf("unknown key %q: the keys are %s", key, strings.Join(ProfileKeys, ", "))
}

// Get returns a setting of the profile.
func (p Profile) Get(key string) (string, error) {
	f, err := p.field(key)
	if err != nil {
		return "", err
	}
	return *f, nil
}

// Set changes a setting of the profile.
func (p *Profile) Set(key, value string) error {
	f, err := p.field(key)
	if err != nil {
		return err
	}
	*f = strings.TrimSpace(value)
	return nil
}

// File is patctl's config file: config.yaml, or config.toml, in the config
// directory.
type File struct {
	Profiles map[string]Profile `yaml:"profiles" toml:"profiles"`

	path string
}

// ConfigPath is the config file in dir: whichever of config.yaml and
// config.toml exists (YAML when both or neither).
func ConfigPath(dir string) string {
	yamlPath := filepath.Join(dir, "config.yaml")
	if _, err := os.Stat(yamlPath); err != nil {
		if tomlPath := filepath.Join(dir, "config.toml"); fileExists(tomlPath) {
			return tomlPath
		}
	}
	return yamlPath
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// LoadFile reads the config file of dir; a missing file is an empty one.
func LoadFile(dir string) (*File, error) {
	f := &File{Profiles: map[string]Profile{}, path: ConfigPath(dir)}
	data, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(f.path, ".toml") {
		err = toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(f)
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err = dec.Decode(f); errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		return nil, badValue("%s: %v", f.path, err)
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Profile{}
	}
	return f, nil
}

// Path is where the file is (or would be) kept.
func (f *File) Path() string { return f.path }

// Save writes the file in its format, atomically.
func (f *File) Save() error {
	var data []byte
	var err error
	if strings.HasSuffix(f.path, ".toml") {
		data, err = toml.Marshal(f)
	} else {
		data, err = yaml.Marshal(f)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(f.path, data, 0o600)
}

// Names are the profiles, sorted.
func (f *File) Names() []string {
	var names []string
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
