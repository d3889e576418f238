"""The translator from the DaemonSet to `docker run` / `ctr run` (daemonset_run.py), checked against the
manifest itself: what each test expects is read from deploy/kubernetes/trustmend.yaml, so a change there
that the translator would lose fails here. Run: python3 -m unittest discover -s Tests/e2e -p 'test_*.py'."""
import copy
import os
import stat
import subprocess
import sys
import tempfile
import unittest

import daemonset_run as translator


def node_tree(root: str, daemonset: dict) -> None:
    """Every hostPath of type Directory or CharDevice made under `root`, as a node would have them."""
    for volume in daemonset["spec"]["template"]["spec"]["volumes"]:
        host = volume.get("hostPath")
        if not host:
            continue
        path = os.path.join(root, host["path"].lstrip("/"))
        if host.get("type") == "Directory":
            os.makedirs(path, exist_ok=True)
        elif host.get("type") == "CharDevice":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink("/dev/null", path)  # a character device, as stat sees it through the link


def pairs(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


class TranslatorTests(unittest.TestCase):
    def setUp(self):
        self.daemonset, self.maps = translator.load()
        self.pod = self.daemonset["spec"]["template"]["spec"]
        self.container = self.pod["containers"][0]
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        self.node = os.path.join(scratch.name, "node")
        self.config = os.path.join(scratch.name, "config")
        node_tree(self.node, self.daemonset)

    def run_args(self, engine="docker", daemonset=None):
        return translator.run_args(daemonset or self.daemonset, self.maps, self.config, engine, node_root=self.node)

    def test_every_mount_of_the_manifest_becomes_a_volume_with_its_access(self):
        args = self.run_args()
        given = pairs(args, "-v")
        volumes = {v["name"]: v for v in self.pod["volumes"]}
        expected = []
        for mount in self.container["volumeMounts"]:
            volume = volumes[mount["name"]]
            access = "ro" if mount.get("readOnly") else "rw"
            if "hostPath" in volume:
                source = os.path.join(self.node, volume["hostPath"]["path"].lstrip("/"))
            elif "configMap" in volume:
                source = os.path.abspath(self.config)
            else:
                self.assertIn(f"{mount['mountPath']}:rw,exec,size=", " ".join(pairs(args, "--tmpfs")))
                continue
            expected.append(f"{source}:{mount['mountPath']}:{access}")
        self.assertEqual(given, expected)
        # The configuration is read-only in the container whatever else changes.
        self.assertIn(f"{os.path.abspath(self.config)}:/etc/trustmend:ro", given)

    def test_privileges_are_the_manifests(self):
        args = self.run_args()
        security = self.container["securityContext"]
        self.assertEqual(pairs(args, "--cap-drop"), security["capabilities"]["drop"])
        self.assertEqual(pairs(args, "--cap-add"), security["capabilities"]["add"])
        self.assertIn("--read-only", args)
        self.assertIn("no-new-privileges", pairs(args, "--security-opt"))
        self.assertIn("label=type:" + security["seLinuxOptions"]["type"], pairs(args, "--security-opt"))
        self.assertNotIn("--privileged", args)
        self.assertEqual(pairs(args, "--user"), [f"{security['runAsUser']}:{security['runAsGroup']}"])
        self.assertEqual(pairs(args, "--network"), ["host"] if self.pod.get("hostNetwork") else [])
        self.assertEqual(pairs(args, "--pid"), ["host"] if self.pod.get("hostPID") else [])
        self.assertEqual(pairs(args, "--stop-timeout"), [str(self.pod["terminationGracePeriodSeconds"])])

    def test_a_privilege_changed_in_the_manifest_changes_the_run(self):
        changed = copy.deepcopy(self.daemonset)
        spec = changed["spec"]["template"]["spec"]
        spec["containers"][0]["securityContext"]["capabilities"]["add"].append("NET_ADMIN")
        spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False
        spec["hostPID"] = True
        args = self.run_args(daemonset=changed)
        self.assertIn("NET_ADMIN", pairs(args, "--cap-add"))
        self.assertNotIn("--read-only", args)
        self.assertEqual(pairs(args, "--pid"), ["host"])

    def test_command_environment_and_limits(self):
        args = self.run_args()
        image_at = args.index(self.container["image"])
        self.assertEqual(pairs(args, "--entrypoint"), [self.container["command"][0]])
        self.assertEqual(args[image_at + 1:], self.container["command"][1:] + self.container["args"])
        self.assertEqual(pairs(args, "--env"), [f"{e['name']}={e['value']}" for e in self.container["env"]])
        self.assertEqual(pairs(args, "--memory"), [str(256 << 20)])
        self.assertEqual(pairs(args, "--cpus"), ["0.5"])

    def test_ctr_gets_the_same_mounts_and_no_capability_beyond_the_added(self):
        args = self.run_args("ctr")
        mounts = pairs(args, "--mount")
        binds = [m for m in mounts if m.startswith("type=bind")]
        self.assertEqual(len(binds), len(pairs(self.run_args(), "-v")))
        added = ["CAP_" + c for c in self.container["securityContext"]["capabilities"]["add"]]
        self.assertEqual(pairs(args, "--cap-add"), added)
        kept = set(translator.CTR_DEFAULT_CAPS) - {c[4:] for c in pairs(args, "--cap-drop")}
        self.assertEqual({"CAP_" + c for c in kept}, set(added) & {"CAP_" + c for c in translator.CTR_DEFAULT_CAPS})
        self.assertIn("--seccomp", args)
        at = args.index(self.container["image"])
        self.assertEqual(args[at + 2:], self.container["command"] + self.container["args"])

    def test_hostpath_types_are_checked_as_kubelet_checks_them(self):
        missing = next(v["hostPath"]["path"] for v in self.pod["volumes"]
                       if v.get("hostPath", {}).get("type") == "Directory")
        os.rmdir(os.path.join(self.node, missing.lstrip("/")))
        with self.assertRaisesRegex(translator.TranslationError, f"hostPath type check failed: .*{missing} is not a directory"):
            self.run_args()

    def test_directory_or_create_is_made_and_a_plain_type_only_for_ctr(self):
        by_type = {}
        for v in self.pod["volumes"]:
            if "hostPath" in v:
                by_type.setdefault(v["hostPath"].get("type", ""), []).append(v["hostPath"]["path"])
        self.run_args()
        for path in by_type["DirectoryOrCreate"]:
            self.assertTrue(os.path.isdir(os.path.join(self.node, path.lstrip("/"))), path)
        for path in by_type[""]:  # docker's -v makes them itself
            self.assertFalse(os.path.exists(os.path.join(self.node, path.lstrip("/"))), path)
        self.run_args("ctr")  # ctr does not: the translator makes them as containerd's CRI would
        for path in by_type[""]:
            self.assertTrue(os.path.isdir(os.path.join(self.node, path.lstrip("/"))), path)

    def test_fields_it_does_not_know_are_refused(self):
        for change in (lambda s: s.update(hostAliases=[]),
                       lambda s: s["containers"][0]["volumeMounts"][0].update(subPath="config.yaml"),
                       lambda s: s["containers"][0]["securityContext"].update(procMount="Unmasked"),
                       lambda s: s["containers"][0].update(ports=[])):
            changed = copy.deepcopy(self.daemonset)
            change(changed["spec"]["template"]["spec"])
            with self.assertRaisesRegex(translator.TranslationError, "does not know"):
                self.run_args(daemonset=changed)

    def test_probes_are_the_manifests_exec_commands(self):
        for which in ("liveness", "readiness"):
            self.assertEqual(translator.probe(self.daemonset, which), self.container[which + "Probe"]["exec"]["command"])


class ConfigMapWriterTests(unittest.TestCase):
    """kubelet's atomic writer: `..TIMESTAMP/` with the files, `..data` -> it, KEY -> ..data/KEY."""

    def setUp(self):
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        self.dir = os.path.join(scratch.name, "trustmend")

    def test_the_layout_is_kubelets(self):
        made = translator.write_configmap(self.dir, {"config.yaml": "mode: report\n"})
        self.assertEqual(stat.S_IMODE(os.stat(self.dir).st_mode), 0o777)
        self.assertEqual(stat.S_IMODE(os.stat(made).st_mode), 0o755)
        self.assertRegex(os.path.basename(made), r"^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.")
        self.assertEqual(os.readlink(os.path.join(self.dir, "..data")), os.path.basename(made))
        self.assertEqual(os.readlink(os.path.join(self.dir, "config.yaml")), "..data/config.yaml")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(made, "config.yaml")).st_mode), 0o644)
        with open(os.path.join(self.dir, "config.yaml")) as f:
            self.assertEqual(f.read(), "mode: report\n")
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(["..data", os.path.basename(made), "config.yaml"]))

    def test_a_change_swaps_the_data_link_and_leaves_no_old_files(self):
        first = translator.write_configmap(self.dir, {"config.yaml": "mode: report\n", "old.yaml": "x\n"})
        second = translator.write_configmap(self.dir, {"config.yaml": "mode: enforce\n"})
        self.assertNotEqual(first, second)
        self.assertFalse(os.path.exists(first))
        self.assertFalse(os.path.lexists(os.path.join(self.dir, "old.yaml")))
        self.assertEqual(os.readlink(os.path.join(self.dir, "..data")), os.path.basename(second))
        with open(os.path.join(self.dir, "config.yaml")) as f:
            self.assertEqual(f.read(), "mode: enforce\n")
        self.assertFalse(os.path.lexists(os.path.join(self.dir, "..data_tmp")))

    def test_the_command_line_swaps_a_file_in(self):
        translator.write_configmap(self.dir, {"config.yaml": "mode: report\n"})
        source = os.path.join(os.path.dirname(self.dir), "bad.yaml")
        with open(source, "w") as f:
            f.write("mode: [\n")
        script = os.path.join(os.path.dirname(os.path.abspath(translator.__file__)), "daemonset_run.py")
        subprocess.run([sys.executable, script, "--swap-config", self.dir, f"config.yaml={source}"], check=True,
                       capture_output=True)
        with open(os.path.join(self.dir, "config.yaml")) as f:
            self.assertEqual(f.read(), "mode: [\n")
        self.assertEqual(len([n for n in os.listdir(self.dir) if n.startswith("..2")]), 1)


if __name__ == "__main__":
    unittest.main()
