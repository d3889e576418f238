"""deploy/kubernetes validated: every object deserialised into the Kubernetes Python client's models and
serialised back unchanged (a misspelt or unknown field is dropped on the way, a missing required one refused),
and the fields that matter held to the package's unit (systemd/trustmend.service) and configuration, from
which they come. The models need python3-kubernetes (Tests/scripts/setup.sh); without it that one test
is skipped with the reason, the others run. Run: python3 -m unittest discover -s Tests/e2e -p 'test_*.py'."""
import copy
import os
import re
import unittest

import yaml

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEPLOY = os.path.join(REPO, "deploy", "kubernetes")

try:
    from kubernetes.client import ApiClient
except ImportError:  # setup.sh installs python3-kubernetes; this says what is missing where it is not
    ApiClient = None


def read(*parts: str) -> str:
    with open(os.path.join(REPO, *parts)) as f:
        return f.read()


def documents(path: str) -> list[dict]:
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def unit_values(key: str) -> list[str]:
    """Every value of `key=` in the unit, each space-separated word of each line."""
    words = []
    for line in read("systemd", "trustmend.service").splitlines():
        if line.startswith(key + "="):
            words += line[len(key) + 1:].split()
    return words


def apply_json_patch(document: dict, operations: list[dict]) -> dict:
    """The "add" operations kustomize's patches use here (RFC 6902, `-` appends)."""
    result = copy.deepcopy(document)
    for op in operations:
        assert op["op"] == "add", op
        *parents, last = op["path"].lstrip("/").split("/")
        node = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if last == "-":
            node.append(op["value"])
        else:
            node[last] = op["value"]
    return result


class ManifestTests(unittest.TestCase):
    def setUp(self):
        self.docs = documents(os.path.join(DEPLOY, "trustmend.yaml"))
        self.by_kind = {d["kind"]: d for d in self.docs}
        self.daemonset = self.by_kind["DaemonSet"]
        self.pod = self.daemonset["spec"]["template"]["spec"]
        self.container = self.pod["containers"][0]
        self.volumes = {v["name"]: v for v in self.pod["volumes"]}
        self.mounts = {m["name"]: m for m in self.container["volumeMounts"]}

    def test_every_object_is_valid_for_the_kubernetes_models(self):
        if ApiClient is None:
            self.skipTest("python3-kubernetes is not installed (Tests/scripts/setup.sh installs it)")
        client = ApiClient()
        overlay = documents(os.path.join(DEPLOY, "node-exporter", "kustomization.yaml"))[0]
        patched = apply_json_patch(self.daemonset, yaml.safe_load(overlay["patches"][0]["patch"]))
        for doc in self.docs + [patched]:
            with self.subTest(kind=doc["kind"]):
                model = client._ApiClient__deserialize(doc, "V1" + doc["kind"])  # refuses a missing required field
                self.assertEqual(client.sanitize_for_serialization(model), doc,
                                 "a field the models do not know was dropped (misspelt, or newer than the client)")
        broken = copy.deepcopy(self.daemonset)
        broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesytem"] = True
        self.assertNotEqual(client.sanitize_for_serialization(client._ApiClient__deserialize(broken, "V1DaemonSet")),
                            broken, "the round trip must catch a misspelt field")

    def test_the_objects_and_no_api_permission(self):
        self.assertEqual(sorted(self.by_kind), ["ConfigMap", "DaemonSet", "Namespace", "ServiceAccount"])
        self.assertFalse(self.by_kind["ServiceAccount"]["automountServiceAccountToken"])
        self.assertFalse(self.pod["automountServiceAccountToken"])
        self.assertEqual(self.pod["serviceAccountName"], self.by_kind["ServiceAccount"]["metadata"]["name"])
        for doc in self.docs[1:]:
            self.assertEqual(doc["metadata"]["namespace"], self.by_kind["Namespace"]["metadata"]["name"])
        kustomization = documents(os.path.join(DEPLOY, "kustomization.yaml"))[0]
        self.assertEqual(kustomization["resources"], ["trustmend.yaml"])

    def test_the_configmap_is_the_packages_configuration_mounted_as_a_directory(self):
        self.assertEqual(self.by_kind["ConfigMap"]["data"]["config.yaml"], read("packaging", "config.yaml"),
                         "the ConfigMap in deploy/kubernetes/trustmend.yaml is not packaging/config.yaml: copy the file "
                         "into its config.yaml block, indented by four spaces")
        self.assertRegex(self.by_kind["ConfigMap"]["data"]["config.yaml"], r"(?m)^mode: report$")
        config = next(m for m in self.container["volumeMounts"] if "configMap" in self.volumes[m["name"]])
        self.assertEqual(config["mountPath"], "/etc/trustmend")
        self.assertTrue(config["readOnly"])
        for mount in self.container["volumeMounts"]:
            self.assertNotIn("subPath", mount, "kubelet never updates a subPath mount")
            self.assertNotIn("subPathExpr", mount)
        for command in (self.container["args"], self.container["livenessProbe"]["exec"]["command"]):
            at = command.index("--config")
            self.assertEqual(os.path.dirname(command[at + 1]), config["mountPath"])

    def test_every_volume_is_mounted_under_host_read_only_unless_the_unit_writes_it(self):
        self.assertEqual(set(self.volumes), set(self.mounts))
        writable_in_unit = {p.lstrip("-") for p in unit_values("ReadWritePaths")}
        writable_in_unit.add("/var/lib/" + unit_values("StateDirectory")[0])
        for name, volume in self.volumes.items():
            host = volume.get("hostPath")
            if not host:
                continue
            mount = self.mounts[name]
            with self.subTest(path=host["path"]):
                self.assertNotEqual(host["path"], "/", "the node's whole root is not mounted")
                self.assertEqual(mount["mountPath"], "/host" + host["path"], "a node path sits at /host + itself")
                self.assertNotIn("mountPropagation", mount)
                if not mount.get("readOnly"):
                    # Written: only what the unit may write, and /dev/null for the update tool's redirections.
                    self.assertIn(host["path"], writable_in_unit | {"/dev/null"})
        paths = {v["hostPath"]["path"]: v["hostPath"].get("type") for v in self.volumes.values() if "hostPath" in v}
        for needed in ("/etc", "/usr", "/var/log", "/run/log/journal", "/run/dbus", "/var/lib/trustmend",
                       "/usr/local/share/ca-certificates", "/etc/ssl/certs", "/etc/pki/ca-trust",
                       "/etc/docker/certs.d", "/etc/containerd/certs.d"):
            self.assertIn(needed, paths)
        self.assertTrue(self.mounts[next(n for n, v in self.volumes.items()
                                         if v.get("hostPath", {}).get("path") == "/var/log")]["readOnly"])
        # Never made on a node: journald would persist the journal; no collector reads an empty textfile dir.
        self.assertNotIn("/var/log/journal", paths)
        self.assertNotIn("/var/lib/prometheus/node-exporter", paths)
        self.assertEqual(paths["/var/lib/trustmend"], "DirectoryOrCreate")

    def test_the_node_exporter_overlay_mounts_the_textfile_directory_only_where_it_exists(self):
        overlay = documents(os.path.join(DEPLOY, "node-exporter", "kustomization.yaml"))[0]
        self.assertEqual(overlay["resources"], [".."])
        patched = apply_json_patch(self.daemonset, yaml.safe_load(overlay["patches"][0]["patch"]))
        volume = patched["spec"]["template"]["spec"]["volumes"][-1]
        self.assertEqual(volume["hostPath"], {"path": "/var/lib/prometheus/node-exporter", "type": "Directory"})
        textfile = re.search(r"(?m)^\s+textfile_directory: (\S+)$", read("packaging", "config.yaml")).group(1)
        self.assertEqual(volume["hostPath"]["path"], textfile)
        self.assertIn("-" + textfile, unit_values("ReadWritePaths"))

    def test_the_fewest_privileges(self):
        security = self.container["securityContext"]
        self.assertEqual(security["capabilities"]["drop"], ["ALL"])
        self.assertEqual(sorted(security["capabilities"]["add"]), ["SYS_ADMIN", "SYS_CHROOT"])
        self.assertEqual(unit_values("CapabilityBoundingSet"), ["CAP_SYS_ADMIN"], "the unit's one capability")
        self.assertTrue(security["readOnlyRootFilesystem"])
        self.assertFalse(security["allowPrivilegeEscalation"])
        self.assertFalse(security["privileged"])
        self.assertEqual(security["seccompProfile"], {"type": "RuntimeDefault"})
        self.assertEqual(security["runAsUser"], 0)
        self.assertFalse(self.pod.get("hostPID", False))
        self.assertFalse(self.pod.get("hostIPC", False))
        # Each added capability says, on the comment lines above it, which need it comes from.
        text = read("deploy", "kubernetes", "trustmend.yaml").splitlines()
        for capability in security["capabilities"]["add"]:
            at = next(i for i, line in enumerate(text) if line.strip() == "- " + capability)
            self.assertTrue(text[at - 1].strip().startswith("#"), capability)

    def test_scheduling_resources_and_lifecycle_follow_the_unit(self):
        self.assertIn({"operator": "Exists"}, self.pod["tolerations"])
        self.assertEqual(self.pod["priorityClassName"], "system-node-critical")
        limits = self.container["resources"]["limits"]
        self.assertEqual(limits["memory"], unit_values("MemoryMax")[0].replace("M", "Mi"))  # systemd's M is MiB
        self.assertEqual(int(limits["cpu"].rstrip("m")), int(unit_values("CPUQuota")[0].rstrip("%")) * 10)
        requests = self.container["resources"]["requests"]
        self.assertLessEqual(int(requests["memory"].rstrip("Mi")), 64, "a request near the measured idle RSS")
        self.assertEqual(f"{self.pod['terminationGracePeriodSeconds']}s", unit_values("TimeoutStopSec")[0])
        strategy = self.daemonset["spec"]["updateStrategy"]
        self.assertEqual(strategy["type"], "RollingUpdate")
        self.assertIn("maxUnavailable", strategy["rollingUpdate"])

    def test_liveness_means_reading_the_journal_and_outlasts_the_watchdog(self):
        watchdog = int(unit_values("WatchdogSec")[0].rstrip("s"))
        for which in ("livenessProbe", "readinessProbe"):
            probe = self.container[which]
            self.assertEqual(probe["exec"]["command"][:2], [self.container["command"][0], "health"])
        liveness = self.container["livenessProbe"]
        self.assertGreaterEqual(liveness["periodSeconds"] * liveness["failureThreshold"], watchdog)

    def test_the_image_is_this_versions_and_runs_in_host_root_mode(self):
        version = re.search(r'static let version = "(.*)"', read("Sources", "trustmend", "VersionInfo.swift")).group(1)
        self.assertEqual(self.container["image"], "trustmend:" + version)
        kustomization = documents(os.path.join(DEPLOY, "kustomization.yaml"))[0]
        self.assertEqual(kustomization["images"], [{"name": "trustmend", "newTag": version}])
        self.assertEqual(self.container["command"], ["/usr/bin/trustmend", "run"])
        self.assertIn({"name": "TRUSTMEND_HOST_ROOT", "value": "/host"}, self.container["env"])


if __name__ == "__main__":
    unittest.main()
