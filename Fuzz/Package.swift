// swift-tools-version: 6.1
// libFuzzer targets for trustmend's parsers of hostile input. They build only with the fuzzer:
//   bash Tests/scripts/fuzz.sh            (a fixed number of runs per target, as CI does)
//   bash Tests/scripts/fuzz.sh --long 600 (10 minutes per target)
import PackageDescription

let fuzz: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]

func target(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzDriver"] + products.map { .product(name: $0, package: "trustmend") },
        swiftSettings: fuzz)
}

let package = Package(
    name: "trustmend-fuzz",
    dependencies: [.package(name: "trustmend", path: "..")],
    targets: [
        // SwiftPM links an executable's main as <Module>_main, which -parse-as-library never emits; each
        // target defines it to run libFuzzer's driver.
        .target(name: "FuzzDriver"),
        target("FuzzDetector", ["TrustmendCore"]),
        target("FuzzConfig", ["TrustmendCore", "TrustmendConfig"]),
        target("FuzzOSRelease", ["TrustmendCore"]),
        target("FuzzChain", ["TrustmendCore"]),
        target("FuzzContainerdConfig", ["TrustmendCore"]),
    ]
)
