import Foundation
import Testing
@testable import TrustmendCore

/// containerd's effective `config_path`, from real configuration files: `containerd config default` of
/// Debian's containerd 1.6.20, that file with `config_path` set, the 2.x layout, imports (merge order and
/// whole-table replacement checked against containerd 1.6.20's `config dump`), version 1 and dotted keys.
@Suite struct ContainerdConfigTests {
    static let fixtures = CorpusTests.packageRoot.appendingPathComponent("Tests/TrustmendCoreTests/Fixtures/containerd").path

    /// Loads `/etc/containerd/config.toml` from a fixture tree (node paths mapped under it), or one file.
    func load(_ name: String) throws -> ContainerdRegistryConfig {
        let base = Self.fixtures + "/" + name
        var isDirectory: ObjCBool = false
        try #require(FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), "no fixture \(name)")
        let main = isDirectory.boolValue ? "/etc/containerd/config.toml" : "/config.toml"
        return try ContainerdRegistryConfig.load(
            path: main,
            read: { path in
                let onDisk = isDirectory.boolValue ? base + path : (path == "/config.toml" ? base : "/nonexistent")
                return try? String(contentsOfFile: onDisk, encoding: .utf8)
            },
            list: { try? FileManager.default.contentsOfDirectory(atPath: base + $0) })
    }

    static let v16 = ContainerdVersion(major: 1, minor: 6)
    static let v20 = ContainerdVersion(major: 2, minor: 0)
    static let v21 = ContainerdVersion(major: 2, minor: 1)
    static let v22 = ContainerdVersion(major: 2, minor: 2)

    @Test func theDefaultOf16ReadsNoCertsD() throws {
        let config = try load("1.6-default.toml")
        #expect(config.configPath == "")
        let coverage = ContainerdCoverage(config: config, version: Self.v16)
        #expect(!coverage.covered)
        #expect(coverage.why.contains("config_path is not set"))
    }

    @Test func configPathIn16Covers() throws {
        let config = try load("1.6-config-path.toml")
        #expect(config.configPath == "/etc/containerd/certs.d")
        #expect(ContainerdCoverage(config: config, version: Self.v16).covered)
        // The version does not matter for one directory.
        #expect(ContainerdCoverage(config: config, version: nil).covered)
        #expect(ContainerdCoverage(config: config, version: Self.v22).covered)
    }

    @Test func the2xLayoutIsRead() throws {
        let config = try load("2.x-images.toml")
        #expect(config.configPath == "/etc/containerd/certs.d")
        #expect(config.useLocalImagePull == false)
        #expect(ContainerdCoverage(config: config, version: Self.v20).covered)
    }

    @Test(arguments: [
        (ContainerdVersion(major: 2, minor: 0), true),  // before the transfer service: a list is split
        (ContainerdVersion(major: 2, minor: 1), false),  // the transfer service reads it as one directory
        (ContainerdVersion(major: 2, minor: 2), false),
    ] as [(ContainerdVersion, Bool)])
    func aColonListDependsOnTheTransferService(version: ContainerdVersion, covered: Bool) throws {
        let config = try load("2.2-colon-list.toml")
        let coverage = ContainerdCoverage(config: config, version: version)
        #expect(coverage.covered == covered, "\(coverage.why)")
        if !covered { #expect(coverage.why.contains("containerd#12808")) }
        #expect(!ContainerdCoverage(config: config, version: nil).covered, "an unknown version is not trusted with a list")
    }

    @Test func localPullsSplitTheList() throws {
        let config = try load("2.2-colon-list-local-pull.toml")
        #expect(config.useLocalImagePull)
        #expect(ContainerdCoverage(config: config, version: Self.v22).covered)
    }

    @Test func the22DefaultListNeedsLocalPulls() {
        let none = ContainerdRegistryConfig()
        #expect(!ContainerdCoverage(config: none, version: Self.v21).covered)
        let defaulted = ContainerdCoverage(config: none, version: Self.v22)
        #expect(!defaulted.covered && defaulted.why.contains("defaults to"))
        #expect(ContainerdCoverage(config: ContainerdRegistryConfig(useLocalImagePull: true), version: Self.v22).covered)
    }

    @Test func version1AndDottedKeys() throws {
        #expect(try load("v1-plugins-cri.toml").configPath == "/etc/containerd/certs.d")
        let dotted = try load("dotted-keys.toml")
        #expect(dotted.configPath == "/etc/containerd/certs.d/")
        #expect(ContainerdCoverage(config: dotted, version: Self.v16).covered, "a trailing slash names the same directory")
    }

    @Test func importsOverrideTheMainFile() throws {
        let config = try load("imports")
        #expect(config.files == ["/etc/containerd/config.toml", "/etc/containerd/conf.d/10-registry.toml"])
        #expect(config.configPath == "/etc/containerd/certs.d")
        #expect(config.criFile == "/etc/containerd/conf.d/10-registry.toml")
        #expect(ContainerdCoverage(config: config, version: Self.v16).covered)
    }

    @Test func aLaterImportReplacesTheWholePluginTable() throws {
        let config = try load("imports-replaced")
        #expect(config.files.last == "/etc/containerd/conf.d/20-runtime.toml")
        #expect(config.configPath == nil)
        #expect(!ContainerdCoverage(config: config, version: Self.v16).covered)
    }

    @Test func aMissingMainFileIsTheDefaults() throws {
        let config = try ContainerdRegistryConfig.load(path: "/etc/containerd/config.toml", read: { _ in nil }, list: { _ in nil })
        #expect(config.files.isEmpty && config.configPath == nil)
    }

    @Test func aBrokenFileNamesItselfAndTheLine() {
        let error = #expect(throws: ContainerdConfigError.self) {
            try ContainerdRegistryConfig.load(
                path: "/etc/containerd/config.toml", read: { _ in "version = 2\n[plugins\nx = 1\n" }, list: { _ in nil })
        }
        #expect(error?.description.contains("/etc/containerd/config.toml") == true)
        #expect(error?.description.contains("line 2") == true)
    }

    @Test func aConfigurationChangedAfterStartIsNotWhatContainerdDoes() throws {
        let config = try load("1.6-config-path.toml")
        let coverage = ContainerdCoverage(config: config, version: Self.v16, changedSinceStart: ["/etc/containerd/config.toml"])
        #expect(!coverage.covered)
        #expect(coverage.why.contains("restart containerd once"))
    }

    @Test func versionOutputs() {
        #expect(ContainerdVersion(versionOutput: "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3") == Self.v16)
        #expect(ContainerdVersion(versionOutput: "containerd containerd.io v2.2.0 1c4457e00facac03ce1d75f7b6777a7a851e5c41") == Self.v22)
        #expect(ContainerdVersion(versionOutput: "garbage") == nil)
    }
}
