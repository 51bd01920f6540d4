// swift-tools-version:6.0
import PackageDescription

// Numeric code is compiled with optimizations even in debug builds of the
// core, so that `swift test` exercises realistic sizes in seconds.
let fast: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "capas",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "capas", targets: ["capas"]),
        .library(name: "CapasCore", targets: ["CapasCore"]),
        .library(name: "CapasModel", targets: ["CapasModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The two C boundaries: each is a module map and one header of shims.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The Jupyter kernel's transport.
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        // libedit is a real C target: its SIGINT flag must exist once per process.
        .target(name: "CLineEditing", linkerSettings: [.linkedLibrary("edit")]),

        // The core's worker threads (persistent, spinning briefly between jobs).
        .target(name: "CCapasThreads", linkerSettings: [.linkedLibrary("pthread", .when(platforms: [.linux]))]),

        .target(name: "CapasMessages"),
        .target(name: "CapasCore", dependencies: ["COpenBLAS", "CCapasThreads", "CapasMessages"], swiftSettings: fast),
        .target(name: "CapasModel", dependencies: ["CapasCore", "CapasMessages"]),
        .target(name: "CapasData", dependencies: ["CapasCore", "CapasMessages", "CZlib"], swiftSettings: fast),
        .target(name: "CapasCheckpoint", dependencies: ["CapasCore"]),
        .target(name: "CapasLineEditing", dependencies: ["CLineEditing", "CapasMessages"]),
        .target(name: "CapasTraining",
                dependencies: ["CapasCore", "CapasModel", "CapasData", "CapasCheckpoint", "CapasMessages"],
                swiftSettings: fast),
        .target(name: "CapasREPL", dependencies: ["CapasCore", "CapasModel", "CapasMessages", "CapasData", "CapasTraining",
                                                  "CZlib"]),
        // `capas kernel`: a Jupyter kernel over ZeroMQ, messages signed with HMAC-SHA256.
        .target(name: "CapasKernel", dependencies: ["CZMQ", "CapasREPL", "CapasMessages", "CapasLineEditing", "CapasData"]),
        // The grader's process isolation: spawning a limited child (C, because
        // the child between fork and exec may only make async-signal-safe
        // calls) and the seccomp lockdown its harness installs first thing.
        .target(name: "CSandbox"),
        .target(name: "CapasSandbox", dependencies: ["CSandbox"]),
        // What a learner's Swift code is compiled against: the tensor type, no reference layers.
        .target(name: "CapasExercise"),
        .target(name: "CapasGrader", dependencies: [
            "CapasCore", "CapasModel", "CapasMessages", "CapasREPL", "CapasSandbox", "CapasCheckpoint",
            "CapasTraining", "CapasData", "CapasExercise",
        ]),
        .executableTarget(name: "capas", dependencies: [
            "CapasCore", "CapasModel", "CapasData", "CapasCheckpoint", "CapasTraining", "CapasMessages", "CapasREPL",
            "CapasLineEditing", "CapasGrader", "CapasExercise", "CapasKernel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "LineEditingHarness", dependencies: ["CapasLineEditing"],
                          path: "Tests/LineEditingHarness"),

        .testTarget(name: "CapasCoreTests", dependencies: ["CapasCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CapasModelTests", dependencies: ["CapasModel", "CapasCore"]),
        .testTarget(name: "CapasDataTests", dependencies: ["CapasData", "CapasCore"]),
        .testTarget(name: "CapasCheckpointTests", dependencies: ["CapasCheckpoint", "CapasCore", "CapasModel"],
                    resources: [.copy("Fixtures")]),
        // Transcripts/ holds the golden REPL sessions, read from the source folder (and rewritten by CAPAS_UPDATE_GOLDEN=1).
        .testTarget(name: "CapasREPLTests", dependencies: ["CapasREPL", "CapasModel", "CapasCore", "CapasData", "CapasTraining",
                                                          "CapasMessages", "CZlib"],
                    exclude: ["Transcripts"]),
        // A stand-in for a grader harness: locks down, then misbehaves on request.
        .executableTarget(name: "SandboxProbe", dependencies: ["CSandbox"], path: "Tests/SandboxProbe"),
        .testTarget(name: "CapasSandboxTests", dependencies: ["CapasSandbox"]),
        .testTarget(name: "CapasGraderTests", dependencies: ["CapasGrader", "CapasREPL", "CapasMessages", "CapasCore", "CapasModel", "CapasTraining", "CapasCheckpoint"],
                    exclude: ["Schemas"]),
        .testTarget(name: "CapasTrainingTests", dependencies: ["CapasTraining", "CapasModel", "CapasCore", "CapasData"]),
        .testTarget(name: "CapasLineEditingTests", dependencies: ["CapasLineEditing", "CapasMessages"]),
        .testTarget(name: "CapasKernelTests", dependencies: ["CapasKernel", "CapasREPL", "CapasMessages", "CapasData", "CapasTraining", "CZMQ"]),
    ],
    swiftLanguageModes: [.v5]
)
