# patctl for pipelines that run their steps in containers:
#
#   docker run --rm -e PATCTL_ORG -e PATCTL_TOKEN ghcr.io/patctl/patctl:1.2.3 rotate --name ci --to keyvault://contoso-kv/ado-pat
#
# FROM scratch: the static binary, CA certificates and a non-root user, nothing
# else (no shell). goreleaser builds it (dockers_v2 in .goreleaser.yaml) from a
# context that holds
#   linux/amd64/patctl, linux/arm64/patctl   the release binaries
#   dist-assets/container/rootfs/            /etc/passwd, /etc/group, the CA certificates,
#                                            and the user's home (internal/tools/rootfs)
# `make release-check` checks, without an image builder, that every file named
# here is in that context and that the image's filesystem runs patctl as its
# user (internal/tools/imagecheck). Keep to COPY, USER, ENV, WORKDIR, LABEL and
# ENTRYPOINT: the check reads no other instruction.
FROM scratch
ARG TARGETPLATFORM
COPY dist-assets/container/rootfs/etc/ /etc/
COPY --chown=65532:65532 dist-assets/container/rootfs/home/ /home/
COPY ${TARGETPLATFORM}/patctl /usr/local/bin/patctl
USER 65532:65532
ENV HOME=/home/patctl
WORKDIR /home/patctl
ENTRYPOINT ["/usr/local/bin/patctl"]
