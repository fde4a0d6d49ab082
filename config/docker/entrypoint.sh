#!/bin/sh
# recoveryd's container entrypoint (the Dockerfile).
#   no command, in a Home Assistant add-on (the Supervisor sets SUPERVISOR_TOKEN):
#       `recoveryd addon`, as root (the add-on's /data belongs to root; the container is its
#       sandbox, as for every add-on)
#   no command elsewhere: `recoveryd run` as the unprivileged user recoveryd
#   `health`: the container's health check (the add-on's configuration, or the file's)
#   any other command: `recoveryd <command>`, unprivileged when started as root
set -eu

addon() { [ -n "${SUPERVISOR_TOKEN:-}" ]; }

if [ "$#" -eq 0 ]; then
    if addon; then
        exec recoveryd addon
    fi
    set -- run
fi
if [ "$1" = "health" ]; then
    if addon; then
        exec recoveryd addon --check
    fi
    set -- check-config
fi
if [ "$(id -u)" = "0" ] && ! addon; then
    exec setpriv --reuid=recoveryd --regid=recoveryd --init-groups -- recoveryd "$@"
fi
exec recoveryd "$@"
