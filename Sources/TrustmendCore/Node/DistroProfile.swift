/// Where a family keeps local anchors, which tool rebuilds the bundle, and which bundle Go reads there.
public struct DistroProfile: Sendable, Hashable {
    public let family: DistroFamily
    /// Distros of the family, as their os-release `ID`s.
    public let ids: [String]
    /// The directory local anchors go into.
    public let anchorDirectory: String
    /// Anchors must carry this file name suffix to be picked up (`.crt` on Debian).
    public let anchorSuffix: String
    /// Candidate paths of the update tool, first existing one wins.
    public let updateTool: [String]
    public let updateArguments: [String]
    /// The bundle the update tool writes and Go-based engines read (FACTS §2).
    public let bundle: String
    /// False where p11-kit builds the bundle: it leaves non-CA certificates out (FACTS §7).
    public let acceptsNonCAAnchors: Bool

    public var updateCommandLine: String { ([updateTool[0]] + updateArguments).joined(separator: " ") }
}

extension DistroProfile {
    /// The distro table. One row per family; the comment names its distros.
    public static let table: [DistroProfile] = [
        // Debian, Ubuntu and their derivatives: update-ca-certificates concatenates *.crt as they are.
        DistroProfile(
            family: .debian, ids: ["debian", "ubuntu", "linuxmint", "raspbian", "pop", "kali", "deepin", "uos"],
            anchorDirectory: "/usr/local/share/ca-certificates", anchorSuffix: ".crt",
            updateTool: ["/usr/sbin/update-ca-certificates", "/sbin/update-ca-certificates"], updateArguments: [],
            bundle: "/etc/ssl/certs/ca-certificates.crt", acceptsNonCAAnchors: true),
        // EulerOS, openEuler, Huawei Cloud EulerOS (CCE's node OSes), CentOS, RHEL, Rocky, AlmaLinux, Oracle Linux,
        // Fedora, Amazon Linux, Anolis, Kylin: update-ca-trust runs p11-kit's `trust extract`.
        DistroProfile(
            family: .rhel,
            ids: ["euleros", "openeuler", "hce", "centos", "rhel", "rocky", "almalinux", "ol", "fedora", "amzn",
                  "anolis", "kylin", "circle", "eurolinux", "tencentos", "alinux"],
            anchorDirectory: "/etc/pki/ca-trust/source/anchors", anchorSuffix: ".crt",
            updateTool: ["/usr/bin/update-ca-trust", "/bin/update-ca-trust"], updateArguments: ["extract"],
            bundle: "/etc/pki/tls/certs/ca-bundle.crt", acceptsNonCAAnchors: false),
        // SUSE Linux Enterprise, openSUSE: p11-kit as well, its own paths.
        DistroProfile(
            family: .suse, ids: ["sles", "sled", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "suse", "sle-micro"],
            anchorDirectory: "/etc/pki/trust/anchors", anchorSuffix: ".crt",
            updateTool: ["/usr/sbin/update-ca-certificates", "/sbin/update-ca-certificates"], updateArguments: [],
            bundle: "/etc/ssl/ca-bundle.pem", acceptsNonCAAnchors: false),
        // Alpine: its own update-ca-certificates, which concatenates like Debian's.
        DistroProfile(
            family: .alpine, ids: ["alpine"],
            anchorDirectory: "/usr/local/share/ca-certificates", anchorSuffix: ".crt",
            updateTool: ["/usr/sbin/update-ca-certificates", "/usr/bin/update-ca-certificates"], updateArguments: [],
            bundle: "/etc/ssl/certs/ca-certificates.crt", acceptsNonCAAnchors: true),
        // Arch, Manjaro, EndeavourOS: p11-kit's update-ca-trust.
        DistroProfile(
            family: .arch, ids: ["arch", "manjaro", "endeavouros", "archarm"],
            anchorDirectory: "/etc/ca-certificates/trust-source/anchors", anchorSuffix: ".crt",
            updateTool: ["/usr/bin/update-ca-trust"], updateArguments: ["extract"],
            bundle: "/etc/ssl/certs/ca-certificates.crt", acceptsNonCAAnchors: false),
        // Flatcar Container Linux (and CoreOS Container Linux): PEM files in /etc/ssl/certs, its own update tool.
        DistroProfile(
            family: .flatcar, ids: ["flatcar", "coreos"],
            anchorDirectory: "/etc/ssl/certs", anchorSuffix: ".pem",
            updateTool: ["/usr/sbin/update-ca-certificates"], updateArguments: [],
            bundle: "/etc/ssl/certs/ca-certificates.crt", acceptsNonCAAnchors: true),
    ]

    public static func profile(for family: DistroFamily) -> DistroProfile {
        table.first { $0.family == family }!
    }

    /// Chooses the row from os-release: `ID` first, then each `ID_LIKE` in order (FACTS §8).
    public static func select(for release: OSRelease) throws(DistroError) -> DistroProfile {
        for candidate in [release.id] + release.idLike where !candidate.isEmpty {
            if let row = table.first(where: { $0.ids.contains(candidate) }) { return row }
        }
        // Names like "rhel fedora" also appear as prefixes of vendor IDs ("opensuse-microos").
        if let row = table.first(where: { row in row.ids.contains { release.id.hasPrefix($0 + "-") } }) { return row }
        throw .unknownDistro(id: release.id, idLike: release.idLike)
    }
}
