#!/usr/bin/env python3
"""Reads the strace -f -o logs run.sh wrote (TRACEDIR/PROFILE.COMMAND and TRACEDIR/native.COMMAND) and
prints, for one profile, every system call that failed with ENOSYS, EPERM, EINVAL or EISDIR under the
emulation but not without it (ENOSYS is always shown), with the commands it happened in, how often, and
what the same thread did next: the fallback, or the absence of one.

    strace_report.py TRACEDIR PROFILE
"""
import collections
import os
import re
import sys

ERRNOS = {"ENOSYS", "EPERM", "EINVAL", "EISDIR"}
LINE = re.compile(r"^(\d+)\s+(.*)$")
START = re.compile(r"^([a-z_0-9]+)\((.*)$")
RESUMED = re.compile(r"^<\.\.\. ([a-z_0-9]+) resumed>(.*)$")
RESULT = re.compile(r"\)\s+=\s+(\S+)(?:\s+(E[A-Z0-9]+))?(?:\s+\(.*\))?\s*$")


EXECVE = re.compile(r'^"([^"]*)"')


def calls(path):
    """(pid, name, args, result, errno) for every completed call, in order."""
    pending = {}
    with open(path, errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, rest = m.group(1), m.group(2)
            if rest.startswith("---") or rest.startswith("+++"):
                continue
            r = RESUMED.match(rest)
            if r:
                name, tail = r.group(1), r.group(2)
                args = pending.pop((pid, name), "") + tail
            else:
                s = START.match(rest)
                if not s:
                    continue
                name, args = s.group(1), s.group(2)
                if args.endswith("<unfinished ...>"):
                    pending[(pid, name)] = args[: -len("<unfinished ...>")].rstrip()
                    continue
            res = RESULT.search(args)
            if res:
                yield pid, name, args[: res.start()], res.group(1), res.group(2)
            else:
                yield pid, name, args, "?", None


def events(path):
    """(pid, program, name, args, result, errno) from the moment the launcher has exec'd the program (the
    launcher's own calls, libseccomp probing the kernel, are not the program's). program: what the
    thread's process last exec'd; a child that has not exec'd yet (a posix_spawn child closing its
    descriptors) is named after its parent."""
    raw = list(calls(path))
    parent = {}
    for pid, name, args, result, errno in raw:
        if name in ("clone", "clone3", "fork", "vfork") and result.isdigit() and result != "0":
            parent[result] = (pid, "CLONE_THREAD" in args)
    program = {}
    started = False
    for pid, name, args, result, errno in raw:
        if name == "execve" and result == "0":
            m = EXECVE.match(args)
            path = m.group(1) if m else "?"
            program[pid] = os.path.basename(path)
            started = started or not path.endswith("/old-kernel")
            continue
        if pid not in program and pid in parent:
            of, thread = parent[pid]
            program[pid] = program.get(of, "?").split(" ")[0] + ("" if thread else " (spawned child)")
        if name == "exit_group" or not started:
            continue
        yield pid, program.get(pid, "?"), name, args, result, errno


def key(name, args):
    """The call, with the argument that decides an old kernel's answer where there is one."""
    parts = [a.strip() for a in args.split(",")]
    if name == "madvise" and len(parts) >= 3:
        return "madvise(%s)" % parts[2]
    if name == "waitid" and parts:
        return "waitid(%s)" % parts[0]
    if name == "getrandom" and len(parts) >= 3:
        return "getrandom(%s)" % parts[-1]
    if name in ("open", "openat") and "O_TMPFILE" in args:
        return "%s(O_TMPFILE)" % name
    return name


def short(name, args, result, errno):
    args = args if len(args) <= 70 else args[:67] + "..."
    return "%s(%s) = %s%s" % (name, args, result, " " + errno if errno else "")


def failures(path):
    """(call, errno) -> [count, [next calls], {programs}]"""
    found = collections.OrderedDict()
    evs = list(events(path))
    for i, (pid, prog, name, args, result, errno) in enumerate(evs):
        if errno not in ERRNOS:
            continue
        k = (key(name, args), errno)
        entry = found.setdefault(k, [0, [], set()])
        entry[0] += 1
        entry[2].add(prog)
        for later in evs[i + 1:]:
            if later[0] == pid:
                text = short(*later[2:])
                if text not in entry[1] and len(entry[1]) < 2:
                    entry[1].append(text)
                break
        else:
            if "(nothing: the thread ended)" not in entry[1]:
                entry[1].append("(nothing: the thread ended)")
    return found


def main():
    tracedir, profile = sys.argv[1], sys.argv[2]
    commands = sorted({f[len(profile) + 1:] for f in os.listdir(tracedir) if f.startswith(profile + ".")})
    table = collections.OrderedDict()
    for command in commands:
        emulated = failures(os.path.join(tracedir, "%s.%s" % (profile, command)))
        native_path = os.path.join(tracedir, "native.%s" % command)
        native = failures(native_path) if os.path.exists(native_path) else {}
        for k, (count, nexts, programs) in emulated.items():
            if k in native and k[1] != "ENOSYS":
                continue
            row = table.setdefault(k, {"count": 0, "commands": [], "next": [], "native": k in native, "programs": set()})
            row["count"] += count
            row["commands"].append(command)
            row["programs"] |= programs
            for n in nexts:
                if n not in row["next"] and len(row["next"]) < 2:
                    row["next"].append(n)
    if not table:
        print("  (none)")
    for (call, errno), row in table.items():
        print("  %-26s %-7s x%-5d commands: %s%s" % (call, errno, row["count"], ",".join(row["commands"]),
                                                     "  (also natively)" if row["native"] else ""))
        programs = sorted(row["programs"])
        print("      by: %s" % (", ".join(programs) if len(programs) <= 6 else ", ".join(programs[:6]) + ", ... (%d programs)" % len(programs)))
        for n in row["next"]:
            print("      next: %s" % n)


if __name__ == "__main__":
    main()
