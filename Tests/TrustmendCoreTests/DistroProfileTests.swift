import Testing
@testable import TrustmendCore

@Suite struct DistroProfileTests {
    /// Real os-release files (trimmed to the lines that matter), and the family each must select.
    @Test(arguments: [
        ("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n", DistroFamily.debian),
        ("NAME=\"Ubuntu\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n", .debian),
        ("NAME=\"EulerOS\"\nVERSION=\"2.0 (SP10)\"\nID=\"euleros\"\nVERSION_ID=\"2.0\"\nPRETTY_NAME=\"EulerOS 2.0 (SP10)\"\nANSI_COLOR=\"0;31\"\n", .rhel),
        ("NAME=\"openEuler\"\nVERSION=\"22.03 (LTS-SP1)\"\nID=\"openEuler\"\nVERSION_ID=\"22.03\"\nPRETTY_NAME=\"openEuler 22.03 (LTS-SP1)\"\n", .rhel),
        ("NAME=\"Huawei Cloud EulerOS\"\nVERSION=\"2.0 (x86_64)\"\nID=\"hce\"\nVERSION_ID=\"2.0\"\n", .rhel),
        ("NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n", .rhel),
        ("NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n", .rhel),
        ("NAME=\"AlmaLinux\"\nID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n", .rhel),
        ("NAME=\"Oracle Linux Server\"\nID=\"ol\"\nID_LIKE=\"fedora\"\n", .rhel),
        ("NAME=\"Amazon Linux\"\nID=\"amzn\"\nID_LIKE=\"fedora\"\n", .rhel),
        ("NAME=\"Fedora Linux\"\nID=fedora\n", .rhel),
        ("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n", .rhel),
        ("NAME=\"SLES\"\nID=\"sles\"\nID_LIKE=\"suse\"\n", .suse),
        ("NAME=\"openSUSE Leap\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n", .suse),
        ("NAME=\"openSUSE MicroOS\"\nID=\"opensuse-microos\"\nID_LIKE=\"suse opensuse opensuse-tumbleweed\"\n", .suse),
        ("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n", .alpine),
        ("NAME=\"Arch Linux\"\nID=arch\n", .arch),
        ("NAME=\"Flatcar Container Linux by Kinvolk\"\nID=flatcar\nID_LIKE=coreos\n", .flatcar),
        ("# a comment\n\nNAME='Linux Mint'\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", .debian),
        ("NAME=\"Some Rebuild\"\nID=\"somerebuild\"\nID_LIKE=\"CentOS RHEL\"\n", .rhel),
    ])
    func selectsFamily(text: String, family: DistroFamily) throws {
        #expect(try DistroProfile.select(for: OSRelease(parsing: text)).family == family)
    }

    @Test func unknownDistroNamesIDAndOverride() {
        let release = OSRelease(parsing: "ID=gentoo\nID_LIKE=\"\"\n")
        let error = #expect(throws: DistroError.self) { try DistroProfile.select(for: release) }
        #expect(error?.description.contains("ID=\"gentoo\"") == true)
        #expect(error?.description.contains("--distro") == true)
    }

    @Test func parsesQuotingAndEscapes() {
        let release = OSRelease(parsing: "PRETTY_NAME=\"Say \\\"hi\\\" \\$x\"\nID='debian'\nBROKEN LINE\n=novalue\n")
        #expect(release.prettyName == "Say \"hi\" $x")
        #expect(release.id == "debian")
        #expect(release.fields.count == 2)
    }

    @Test func rowsMatchTheDistrosDocumentedTools() {
        let debian = DistroProfile.profile(for: .debian)
        #expect(debian.anchorDirectory == "/usr/local/share/ca-certificates")
        #expect(debian.bundle == "/etc/ssl/certs/ca-certificates.crt")
        #expect(debian.acceptsNonCAAnchors)
        let rhel = DistroProfile.profile(for: .rhel)
        #expect(rhel.anchorDirectory == "/etc/pki/ca-trust/source/anchors")
        #expect(rhel.updateCommandLine == "/usr/bin/update-ca-trust extract")
        #expect(rhel.bundle == "/etc/pki/tls/certs/ca-bundle.crt")
        #expect(!rhel.acceptsNonCAAnchors)
        // Every family's bundle is one Go reads (FACTS §2), or Go would never see the anchor.
        for row in DistroProfile.table {
            #expect(GoTrustSources.files.contains(row.bundle), "\(row.family) bundle \(row.bundle)")
        }
    }

    @Test func goTrustSourcesHonourTheEnginesEnvironment() {
        let exists: (String) -> Bool = { $0 == "/etc/pki/tls/certs/ca-bundle.crt" || $0 == "/custom.pem" }
        #expect(GoTrustSources(environment: [], isReadable: exists).file == "/etc/pki/tls/certs/ca-bundle.crt")
        let custom = GoTrustSources(environment: ["SSL_CERT_FILE=/custom.pem", "SSL_CERT_DIR=/a:/b"], isReadable: exists)
        #expect(custom.file == "/custom.pem")
        #expect(custom.directories == ["/a", "/b"])
        #expect(custom.overridden)
        #expect(GoTrustSources(environment: ["SSL_CERT_FILE=/missing"], isReadable: exists).file == nil)
    }
}
