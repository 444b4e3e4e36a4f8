// swift-tools-version:6.1
//
// Custos: a tamper-evident lineage ledger and action-level approval gate on LMDB.
//
// The targets are layered as in DESIGN.md; a target depends only on targets below it:
//
//   custos (executable) -> CustosCLI -> CustosQuery -> CustosLineage -> CustosLedger -> LMDB
//                                   -> CustosMasking -> CustosConfig     -> CLMDB, CXXHash (system libraries),
//                                                                           CBoringSHA256 (Linux; a declaration)
//                      -> CustosServer (Hummingbird) -> CustosGate -> CustosLineage, CustosMasking
//                                                    -> CustosEvidence -> CustosQuery, CustosLineage
//
// The benchmarks (Benchmarks/, ordo-one/benchmark) are part of the package only when
// CUSTOS_BENCHMARKS is set, as Hummingbird does, so that `make test` never builds them.
import PackageDescription

import class Foundation.ProcessInfo

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Custos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "custos", targets: ["custos"]),
        .library(name: "LMDB", targets: ["LMDB"]),
        .library(name: "CustosLedger", targets: ["CustosLedger"]),
        .library(name: "CustosLineage", targets: ["CustosLineage"]),
        .library(name: "CustosQuery", targets: ["CustosQuery"]),
        .library(name: "CustosMasking", targets: ["CustosMasking"]),
        .library(name: "CustosGate", targets: ["CustosGate"]),
        .library(name: "CustosServer", targets: ["CustosServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // System libraries, found with pkg-config; `make` installs the apt packages when missing.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]
        ),
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"]), .brew(["xxhash"])]
        ),
        // BoringSSL's one-shot SHA-256, which swift-crypto links into Linux binaries: a
        // declaration only (see its shim.h).
        .systemLibrary(name: "CBoringSHA256"),

        // A thin, safe Swift wrapper over LMDB.
        .target(
            name: "LMDB",
            dependencies: ["CLMDB"],
            swiftSettings: strictSwift
        ),

        // The log: events, canonical encoding, hash chain, Merkle tree, indexes, verification.
        .target(
            name: "CustosLedger",
            dependencies: [
                "LMDB",
                "CXXHash",
                .target(name: "CBoringSHA256", condition: .when(platforms: [.linux])),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift
        ),

        // Configuration files (YAML or JSON) read with the line and column of every error.
        .target(
            name: "CustosConfig",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSwift
        ),

        // Detection and masking of personal data and secrets, streaming; mask events.
        .target(
            name: "CustosMasking",
            dependencies: [
                "CustosLedger",
                "CustosConfig",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift
        ),

        // The lineage graph: traversals, paths, sensitivity tags, audit findings, OpenLineage.
        .target(
            name: "CustosLineage",
            dependencies: ["CustosLedger"],
            swiftSettings: strictSwift
        ),

        // The approval gate: policy, request lifecycle, just-in-time tokens, the agent's API.
        .target(
            name: "CustosGate",
            dependencies: [
                "CustosLedger", "CustosLineage", "CustosMasking", "CustosConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSwift
        ),

        // Evidence bundles for SOC 2 and HIPAA: controls run as queries, proofs, OSCAL, the
        // report, and the offline verifier.
        .target(
            name: "CustosEvidence",
            dependencies: [
                "CustosLedger", "CustosLineage", "CustosQuery",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSwift
        ),

        // LQL, the audit query language: lexer, parser, planner, executor, formatters.
        .target(
            name: "CustosQuery",
            dependencies: ["CustosLineage", "CustosLedger"],
            swiftSettings: strictSwift
        ),

        // The HTTP server: ingest, query, lineage, proofs, OpenLineage, identity and roles.
        .target(
            name: "CustosServer",
            dependencies: [
                "CustosLedger", "CustosLineage", "CustosQuery", "CustosMasking", "CustosConfig", "CustosGate", "CustosEvidence",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSwift
        ),

        // The command-line interface, as a library so that its pieces can be tested.
        .target(
            name: "CustosCLI",
            dependencies: [
                "CustosLedger",
                "CustosLineage",
                "CustosQuery",
                "CustosMasking",
                "CustosConfig",
                "CustosGate",
                "CustosEvidence",
                "CustosServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "custos",
            dependencies: ["CustosCLI"],
            swiftSettings: strictSwift
        ),

        .target(
            name: "CustosTestSupport",
            dependencies: ["CustosLedger"],
            path: "Tests/CustosTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LMDBTests",
            dependencies: ["LMDB"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosLedgerTests",
            dependencies: ["CustosLedger", "LMDB", "CustosTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosLineageTests",
            dependencies: ["CustosLineage", "CustosLedger", "CustosTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosQueryTests",
            dependencies: ["CustosQuery", "CustosLineage", "CustosLedger", "CustosTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosMaskingTests",
            dependencies: ["CustosMasking", "CustosConfig", "CustosLedger", "CustosLineage", "CustosTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosGateTests",
            dependencies: ["CustosGate", "CustosLedger", "CustosLineage", "CustosMasking", "CustosTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosEvidenceTests",
            dependencies: ["CustosEvidence", "CustosLedger", "CustosTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosServerTests",
            dependencies: [
                "CustosServer", "CustosLedger", "CustosMasking", "CustosGate", "CustosEvidence", "CustosTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CustosCLITests",
            dependencies: ["CustosCLI", "CustosLedger", "CustosTestSupport", "custos"],
            exclude: ["openlineage_emit.py"],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)

if ProcessInfo.processInfo.environment["CUSTOS_BENCHMARKS"] != nil {
    package.dependencies += [
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ]
    package.targets += [
        // The same-run reference: plain C doing what the C figures in the issues describe.
        .systemLibrary(name: "CLibCrypto", path: "Benchmarks/CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CReference", dependencies: ["CLMDB", "CLibCrypto"], path: "Benchmarks/CReference"),
        .target(
            name: "BenchmarkSupport",
            dependencies: ["CustosLedger", "CustosTestSupport"],
            path: "Benchmarks/BenchmarkSupport",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "MaskingBenchmarks",
            dependencies: [
                "CustosMasking", "BenchmarkSupport", "CustosTestSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/MaskingBenchmarks",
            swiftSettings: strictSwift,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LineageBenchmarks",
            dependencies: [
                "CustosLedger", "CustosLineage", "CustosQuery", "BenchmarkSupport", "CustosTestSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LineageBenchmarks",
            swiftSettings: strictSwift,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EvidenceBenchmarks",
            dependencies: [
                "CustosEvidence", "CustosLedger", "BenchmarkSupport", "CustosTestSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EvidenceBenchmarks",
            swiftSettings: strictSwift,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "GateBenchmarks",
            dependencies: [
                "CustosGate", "CustosServer", "CustosLedger", "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/GateBenchmarks",
            swiftSettings: strictSwift,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The HTTP stack's floor for Benchmarks/HTTP/run.sh: Hummingbird answering without custos.
        .executableTarget(
            name: "HTTPReference",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HTTPReference",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                "CustosLedger", "BenchmarkSupport", "CReference",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            swiftSettings: strictSwift,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
}
