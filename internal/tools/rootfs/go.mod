// A module of its own, so that the CA bundle it pins stays out of patctl's
// module graph: patctl does not link it, the container image ships its output.
module github.com/patctl/patctl/internal/tools/rootfs

go 1.26.8

require golang.org/x/crypto/x509roots/fallback v0.0.0-20261030153154-30a33513ff6d
