#!/usr/bin/env python3
"""Translates the DaemonSet in deploy/kubernetes/trustmend.yaml into the arguments of `docker run` (or
`ctr run`), so that the e2e runs the image under the node's own engine with exactly the mounts, privileges,
environment and command the manifest gives kubelet: the test derives them from the manifest, and the two
cannot drift.

    daemonset_run.py --config-dir DIR [--engine docker|ctr] [--manifest FILE] [--image REF] [--name NAME]
                     [--node-root DIR] [--shell]
    daemonset_run.py --probe liveness|readiness [--manifest FILE]
    daemonset_run.py --swap-config DIR KEY=FILE…   (replace the mounted ConfigMap's data as kubelet does)

Prints the arguments that follow `docker run` (or `ctr run`), one per line (`mapfile -t`), or as one
shell-quoted line with --shell. DIR receives the ConfigMap the pod mounts, laid out as kubelet's atomic
writer lays it out (`..<timestamp>/` with the files, `..data` -> it, `KEY` -> `..data/KEY`, the directory
itself 0777 like the emptyDir kubelet writes it in); `write_configmap` swaps it the same way on a change.
hostPath types are checked as kubelet checks them (Directory, CharDevice…: an error; DirectoryOrCreate: made
0755); a "" type is left to the engine, which makes a missing directory (docker's -v does; for ctr, which
does not, it is made here as containerd's CRI makes it). --node-root DIR takes every hostPath under DIR.
A field of the pod or the container this translator does not know is an error, not a silent omission.
"""
import argparse
import os
import shlex
import stat
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "..", "..", "deploy", "kubernetes", "trustmend.yaml")

# What each key means for an engine run on one node, or why it means nothing there.
POD_KEYS = {"containers", "volumes", "hostNetwork", "hostPID", "hostIPC", "terminationGracePeriodSeconds",
            "serviceAccountName", "automountServiceAccountToken",  # no API server on the node: nothing to mount
            "tolerations", "priorityClassName",                     # scheduling and eviction: kubelet's
            "dnsPolicy"}                                            # Default with the host's network: its resolv.conf
CONTAINER_KEYS = {"name", "image", "command", "args", "env", "resources", "securityContext", "volumeMounts",
                  "imagePullPolicy",                  # the image is loaded, never pulled
                  "livenessProbe", "readinessProbe"}  # --probe prints them, for `docker exec`
SECURITY_KEYS = {"runAsUser", "runAsGroup", "runAsNonRoot", "privileged", "allowPrivilegeEscalation",
                 "readOnlyRootFilesystem", "seccompProfile", "seLinuxOptions", "capabilities"}
MOUNT_KEYS = {"name", "mountPath", "readOnly", "mountPropagation"}
# containerd's default capabilities (oci.WithDefaultUnixCaps): ctr's --cap-drop takes names, not ALL.
CTR_DEFAULT_CAPS = ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
                    "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"]


class TranslationError(Exception):
    """The manifest asks for something this translator cannot give an engine, or a hostPath check failed."""


def load(path: str = MANIFEST) -> tuple[dict, dict]:
    """The DaemonSet and the ConfigMaps (by name) in the manifest."""
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    daemonsets = [d for d in docs if d.get("kind") == "DaemonSet"]
    if len(daemonsets) != 1:
        raise TranslationError(f"{path}: {len(daemonsets)} DaemonSets, expected one")
    maps = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
    return daemonsets[0], maps


def _unknown(what: str, keys, known: set) -> None:
    extra = sorted(set(keys) - known)
    if extra:
        raise TranslationError(f"{what}: the translator does not know {', '.join(extra)}; teach it what they mean")


def _container(daemonset: dict) -> tuple[dict, dict]:
    pod = daemonset["spec"]["template"]["spec"]
    _unknown("pod spec", pod, POD_KEYS)
    if len(pod["containers"]) != 1:
        raise TranslationError("the pod has more than one container")
    container = pod["containers"][0]
    _unknown(f"container {container['name']}", container, CONTAINER_KEYS)
    return pod, container


def write_configmap(directory: str, data: dict, mode: int = 0o644) -> str:
    """Writes or swaps `data` into `directory` as kubelet's atomic writer does; returns the new `..` dir."""
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o777)  # emptyDir's permissions (kubelet's empty_dir.go), which the ConfigMap sits in
    data_link = os.path.join(directory, "..data")
    old = os.readlink(data_link) if os.path.islink(data_link) else None
    old_keys = set(os.listdir(os.path.join(directory, old))) if old else set()
    stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime())
    fresh = tempfile.mkdtemp(prefix=stamp, dir=directory)
    os.chmod(fresh, 0o755)
    for key, value in data.items():
        path = os.path.join(fresh, key)
        with open(path, "w") as f:
            f.write(value)
        os.chmod(path, mode)
    temporary = os.path.join(directory, "..data_tmp")
    os.symlink(os.path.basename(fresh), temporary)
    os.rename(temporary, data_link)  # the swap: readers see the old files or the new ones, never a mix
    for key in data:
        link = os.path.join(directory, key)
        if not os.path.lexists(link):
            os.symlink(os.path.join("..data", key), link)
    for key in old_keys - set(data):
        os.unlink(os.path.join(directory, key))
    if old:
        old_dir = os.path.join(directory, old)
        for name in os.listdir(old_dir):
            os.unlink(os.path.join(old_dir, name))
        os.rmdir(old_dir)
    return fresh


def _check_host_path(path: str, kind: str, create_plain: bool) -> None:
    """kubelet's hostPath type check (pkg/volume/hostpath): the same messages, the same creation."""
    exists = os.path.exists(path)
    checks = {"Directory": stat.S_ISDIR, "File": stat.S_ISREG, "Socket": stat.S_ISSOCK,
              "CharDevice": stat.S_ISCHR, "BlockDevice": stat.S_ISBLK}
    names = {"Directory": "a directory", "File": "a file", "Socket": "a socket",
             "CharDevice": "a character device", "BlockDevice": "a block device"}
    if kind in checks:
        if not exists or not checks[kind](os.stat(path).st_mode):
            raise TranslationError(f"hostPath type check failed: {path} is not {names[kind]}")
    elif kind == "DirectoryOrCreate":
        os.makedirs(path, mode=0o755, exist_ok=True)
    elif kind == "FileOrCreate":
        if not exists:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
            os.chmod(path, 0o644)
    elif kind == "":
        if create_plain and not exists:
            os.makedirs(path, mode=0o755, exist_ok=True)
    else:
        raise TranslationError(f"hostPath type {kind!r}: unknown")


def _cpus(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if str(quantity).endswith("m") else float(quantity)


def _bytes(quantity: str) -> int:
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "k": 1000, "M": 10**6, "G": 10**9}
    for suffix, factor in units.items():
        if str(quantity).endswith(suffix):
            return int(str(quantity)[: -len(suffix)]) * factor
    return int(quantity)


def run_args(daemonset: dict, maps: dict, config_dir: str, engine: str = "docker", image: str | None = None,
             name: str | None = None, node_root: str = "/") -> list[str]:
    """The arguments after `docker run` / `ctr run` for the DaemonSet's container."""
    if engine not in ("docker", "ctr"):
        raise TranslationError(f"engine {engine!r}: docker or ctr")
    pod, container = _container(daemonset)
    name = name or daemonset["metadata"]["name"]
    image = image or container["image"]
    ctr = engine == "ctr"
    args: list[str] = [] if ctr else ["--name", name, "--restart", "always"]

    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        _unknown(f"volumeMount {mount.get('name')}", mount, MOUNT_KEYS)
        volume = volumes[mount["name"]]
        target, readonly = mount["mountPath"], bool(mount.get("readOnly", False))
        propagation = {"None": None, "HostToContainer": "rslave", "Bidirectional": "rshared"}[mount.get("mountPropagation", "None")]
        if "hostPath" in volume:
            host = volume["hostPath"]
            source = os.path.join(node_root, host["path"].lstrip("/")) if node_root != "/" else host["path"]
            _check_host_path(source, host.get("type", ""), create_plain=ctr)
        elif "configMap" in volume:
            config_map = maps[volume["configMap"]["name"]]
            write_configmap(config_dir, config_map.get("data", {}), volume["configMap"].get("defaultMode", 0o644))
            source = os.path.abspath(config_dir)
        elif "emptyDir" in volume:
            if volume["emptyDir"].get("medium") != "Memory":
                raise TranslationError(f"volume {mount['name']}: only a Memory emptyDir is translated")
            size = _bytes(volume["emptyDir"].get("sizeLimit", "64Mi"))
            if ctr:
                args += ["--mount", f"type=tmpfs,src=tmpfs,dst={target},options=rw:size={size}:mode=0777"]
            else:
                args += ["--tmpfs", f"{target}:rw,exec,size={size},mode=0777"]
            continue
        else:
            raise TranslationError(f"volume {mount['name']}: only hostPath, configMap and emptyDir are translated")
        options = ["ro" if readonly else "rw"] + ([propagation] if propagation else [])
        if ctr:
            args += ["--mount", f"type=bind,src={source},dst={target},options=rbind:{':'.join(options)}"]
        else:
            args += ["-v", f"{source}:{target}:{','.join(options)}"]

    security = container.get("securityContext", {})
    _unknown("securityContext", security, SECURITY_KEYS)
    if security.get("privileged"):
        args += ["--privileged"]
    capabilities = security.get("capabilities", {})
    added = [c.upper().removeprefix("CAP_") for c in capabilities.get("add", [])]
    dropped = [c.upper().removeprefix("CAP_") for c in capabilities.get("drop", [])]
    if ctr:
        for cap in (CTR_DEFAULT_CAPS if "ALL" in dropped else dropped):
            if cap not in added:
                args += ["--cap-drop", "CAP_" + cap]
        for cap in added:
            args += ["--cap-add", "CAP_" + cap]
    else:
        for cap in dropped:
            args += ["--cap-drop", cap]
        for cap in added:
            args += ["--cap-add", cap]
    if security.get("readOnlyRootFilesystem"):
        args += ["--read-only"]
    seccomp = security.get("seccompProfile", {}).get("type", "RuntimeDefault")
    if seccomp == "Unconfined":
        args += [] if ctr else ["--security-opt", "seccomp=unconfined"]
    elif seccomp != "RuntimeDefault":
        raise TranslationError(f"seccompProfile {seccomp}: not translated")
    elif ctr:
        args += ["--seccomp"]  # ctr runs without a filter unless asked; docker applies its default itself
    if not ctr:
        if security.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        if "type" in security.get("seLinuxOptions", {}):
            args += ["--security-opt", "label=type:" + security["seLinuxOptions"]["type"]]
        user = security.get("runAsUser")
        if user is not None:
            args += ["--user", f"{user}:{security.get('runAsGroup', user)}"]
    if security.get("runAsNonRoot") and security.get("runAsUser", 0) == 0:
        raise TranslationError("runAsNonRoot with runAsUser 0: kubelet would refuse to start it")

    if pod.get("hostNetwork"):
        args += ["--net-host"] if ctr else ["--network", "host"]
    if pod.get("hostPID"):
        args += [] if ctr else ["--pid", "host"]
    if pod.get("hostIPC"):
        args += [] if ctr else ["--ipc", "host"]
    if not ctr and "terminationGracePeriodSeconds" in pod:
        args += ["--stop-timeout", str(pod["terminationGracePeriodSeconds"])]

    limits = container.get("resources", {}).get("limits", {})
    requests = container.get("resources", {}).get("requests", {})
    if "memory" in limits:
        args += ["--memory-limit", str(_bytes(limits["memory"]))] if ctr else ["--memory", str(_bytes(limits["memory"]))]
    if "cpu" in limits:
        args += ["--cpus", str(_cpus(limits["cpu"]))] if not ctr else ["--cpu-quota", str(int(_cpus(limits["cpu"]) * 100000)), "--cpu-period", "100000"]
    if "cpu" in requests:  # kubelet's shares: milli-CPUs * 1024 / 1000, at least 2
        args += ["--cpu-shares", str(max(2, int(_cpus(requests["cpu"]) * 1024)))]

    for variable in container.get("env", []):
        if "value" not in variable:
            raise TranslationError(f"env {variable['name']}: only literal values are translated")
        args += ["--env", f"{variable['name']}={variable['value']}"]

    command, rest = container.get("command"), container.get("args", [])
    if ctr:
        # ctr's arguments after the ID replace the image's entrypoint and command together.
        if not command:
            raise TranslationError("ctr run needs the container's command in the manifest")
        return args + [image, name] + command + rest
    if command:
        args += ["--entrypoint", command[0]]
        return args + [image] + command[1:] + rest
    return args + [image] + rest


def probe(daemonset: dict, which: str) -> list[str]:
    """The exec probe's command, to run with `docker exec NAME …` as kubelet would."""
    _, container = _container(daemonset)
    return container[which + "Probe"]["exec"]["command"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", default=MANIFEST)
    parser.add_argument("--engine", choices=["docker", "ctr"], default="docker")
    parser.add_argument("--config-dir")
    parser.add_argument("--image")
    parser.add_argument("--name")
    parser.add_argument("--node-root", default="/")
    parser.add_argument("--probe", choices=["liveness", "readiness"])
    parser.add_argument("--shell", action="store_true")
    parser.add_argument("--swap-config", metavar="DIR")
    parser.add_argument("data", nargs="*", metavar="KEY=FILE")
    options = parser.parse_args()
    if options.swap_config:
        data = {}
        for item in options.data:
            key, _, path = item.partition("=")
            with open(path) as f:
                data[key] = f.read()
        if not data:
            parser.error("--swap-config needs KEY=FILE")
        print(write_configmap(options.swap_config, data))
        return
    try:
        daemonset, maps = load(options.manifest)
        if options.probe:
            words = probe(daemonset, options.probe)
        else:
            if not options.config_dir:
                parser.error("--config-dir is required (where the ConfigMap is written)")
            words = run_args(daemonset, maps, options.config_dir, options.engine, options.image, options.name,
                             options.node_root)
    except (TranslationError, KeyError) as error:
        sys.exit(f"daemonset_run.py: {error}")
    print(shlex.join(words) if options.shell else "\n".join(words))


if __name__ == "__main__":
    main()
