# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lib/debs.sh: building sipha's Debian packages from a copy of the
# source tree.  Source it (bash).  Used by tests/packaging/debian.test and
# scripts/bench-rolling-upgrade (docs/packaging.md).
#
#   debs_copy_source SRCDIR DEST        the tree as its developer sees it
#   debs_bump_version DEST VERSION      a changelog entry on top (a new release)
#   debs_build DEST LOG                 dpkg-buildpackage -b; the .debs in DEST/..

# debs_copy_source SRCDIR DEST: the files of the source tree as its developer
# sees them: what git tracks or would track; a tree without git (a release
# tarball): all but builds.
debs_copy_source() {
    local src=$1 dest=$2
    mkdir -p "$dest" || return 1
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$src" &&
            git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                [ -e "$f" ] && printf '%s\0' "$f"
            done | xargs -0 cp -P --parents -t "$dest")
    else
        tar -C "$src" --exclude=./_build --exclude=./tests/logs -cf - . |
            tar -C "$dest" -xf -
    fi
}

# debs_bump_version DIR VERSION: a new debian/changelog entry VERSION on top
# of DIR's, as a maintainer making the next release would (dch -v).
debs_bump_version() {
    local version=$2 log=$1/debian/changelog
    {
        echo "sipha ($version) unstable; urgency=medium"
        echo
        echo "  * Rebuilt with a new version for a rolling upgrade trial."
        echo
        grep -m1 '^ -- ' "$log" | sed "s/>  .*/>  $(date -R)/"
        echo
        cat "$log"
    } >"$log.new" && mv "$log.new" "$log"
}

# debs_build DIR LOG: dpkg-buildpackage -b -us -uc in DIR (no tests, no
# debug symbols, two jobs); its output in LOG.
debs_build() {
    (cd "$1" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
        dpkg-buildpackage -b -us -uc) >"$2" 2>&1
}
