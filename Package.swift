// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "trustmend",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "trustmend", targets: ["trustmend"]),
        // For the fuzz targets in Fuzz/ (a package of their own: they build only with libFuzzer).
        .library(name: "TrustmendCore", targets: ["TrustmendCore"]),
        .library(name: "TrustmendConfig", targets: ["TrustmendConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Without its Foundation trait: the daemon stays on FoundationEssentials (FACTS §19).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0", traits: []),
    ],
    targets: [
        // C: one system-library target per C library, with a shim for the macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .yum(["openssl-devel"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .yum(["libyaml-devel"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"]), .yum(["systemd-devel"])]
        ),

        // Pure values and decisions: no I/O, no C.
        .target(
            name: "TrustmendCore",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),

        // Adapters: one per outside thing, raw C calls kept in one file each.
        .target(
            name: "TrustmendTLS",
            dependencies: [
                "COpenSSL", "TrustmendCore", "TrustmendPlatform",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TrustmendSystemd",
            dependencies: [
                "CSystemd", "TrustmendCore", "TrustmendPlatform",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Threads for blocking C calls, shared by the adapters.
        .target(
            name: "TrustmendPlatform",
            swiftSettings: strict
        ),
        .target(
            name: "TrustmendSources",
            dependencies: ["CSystemd", "TrustmendCore", "TrustmendPlatform"],
            swiftSettings: strict
        ),
        .target(
            name: "TrustmendConfig",
            dependencies: ["CYAML", "TrustmendCore"],
            swiftSettings: strict
        ),
        .target(
            name: "TrustmendStore",
            dependencies: [
                "CNodeRoot", "TrustmendCore", "TrustmendPlatform",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // The daemon: long-running services built only on Core's protocols.
        .target(
            name: "TrustmendDaemon",
            dependencies: [
                "TrustmendCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Test-only: fakes for every seam and the test clock (never linked into the executable).
        .target(
            name: "TrustmendTesting",
            dependencies: [
                "TrustmendCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The daemon gives back its relocation tables after start: see Sources/CProcessImage/include/process_image.h.
        .target(name: "CProcessImage"),
        // Keeps the process on the libraries the packages ship: see Sources/CPrivateRuntime/include/private_runtime.h.
        .target(name: "CPrivateRuntime"),
        // Paths resolved inside a host root (openat2) and the node's tool run chrooted into it: see Sources/CNodeRoot/include/node_root.h.
        .target(name: "CNodeRoot"),

        .executableTarget(
            name: "trustmend",
            dependencies: [
                "CProcessImage", "CPrivateRuntime", "TrustmendCore", "TrustmendTLS", "TrustmendSystemd", "TrustmendStore", "TrustmendConfig", "TrustmendDaemon", "TrustmendSources",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "TrustmendCoreTests",
            dependencies: ["TrustmendCore", "TrustmendTesting"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TrustmendAdapterTests",
            dependencies: [
                "TrustmendCore", "TrustmendTLS", "TrustmendSystemd", "TrustmendStore", "TrustmendConfig", "TrustmendDaemon", "TrustmendSources", "trustmend",
                "TrustmendTesting", "CProcessImage", "CPrivateRuntime", "CNodeRoot",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
    ]
)
