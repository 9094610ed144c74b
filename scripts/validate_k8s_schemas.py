"""Strict schema check of Kubernetes objects, offline, with kubernetes-validate's schemas.

Reads a JSON array of objects on stdin and prints a JSON array with one result per object:
{"status": "ok"} | {"status": "error", "path": "...", "message": "..."} | {"status": "no-schema"}.
Strict means unknown fields are errors (the schemas forbid additional properties).
Usage: validate_k8s_schemas.py <kubernetes-version>
"""

import json
import sys

from kubernetes_validate import utils


def check(obj, version):
    try:
        utils.validate(obj, version, strict=True)
        return {"status": "ok"}
    except utils.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        return {"status": "error", "path": path, "message": error.message}
    except utils.SchemaNotFoundError as error:
        return {"status": "no-schema", "message": error.message}


def main():
    version = sys.argv[1]
    objects = json.load(sys.stdin)
    json.dump([check(obj, version) for obj in objects], sys.stdout)


if __name__ == "__main__":
    main()
