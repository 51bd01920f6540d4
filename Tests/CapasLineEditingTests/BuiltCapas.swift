import Foundation
import XCTest

/// An executable product built beside this test bundle (`capas`, the
/// `LineEditingHarness`), or nil when there is none.
func builtExecutable(_ name: String) -> String? {
    var folders: [URL] = []
    if let test = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        folders.append(URL(fileURLWithPath: test).deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    folders.append(Bundle.main.bundleURL)
    return folders.map { $0.appendingPathComponent(name).path }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The capas executable built beside this test bundle (the tests that drive
/// the real REPL or its `--help` run it), or nil when there is none.
func builtCapas() -> String? { builtExecutable("capas") }

/// The executable `name` built beside the test bundle; when it is missing the
/// test fails, saying how to build it, and stops.
func requireBuiltExecutable(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    guard let path = builtExecutable(name) else {
        XCTFail("\(name) not found next to the test bundle; build it with `swift build --product \(name)`",
                file: file, line: line)
        throw XCTSkip("no \(name)")
    }
    return path
}

/// The capas executable built beside the test bundle, or a failure.
func requireBuiltCapas(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    try requireBuiltExecutable("capas", file: file, line: line)
}

extension XCTestCase {
    /// A new, empty folder to be a test's HOME, removed when the test ends:
    /// libedit reads `~/.editrc` and the REPL keeps its history there, so
    /// nothing of the user's may leak in.
    func temporaryHome(_ label: String) throws -> URL {
        let home = FileManager.default.temporaryDirectory
            .appendingPathComponent("capas-\(label)-\(getpid())-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: home) }
        return home
    }
}

/// Exactly the environment a program under test gets on a pseudo-terminal:
/// `home` as HOME, a plain xterm, the system PATH, `locale` as LANG (none
/// when nil), one BLAS thread; then `extra`, which wins.
func terminalEnvironment(home: URL, locale: String? = "C.UTF-8", _ extra: [String: String] = [:]) -> [String: String] {
    var environment = ["HOME": home.path, "TERM": "xterm", "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"]
    if let locale { environment["LANG"] = locale }
    environment.merge(extra) { $1 }
    return environment
}

extension PseudoTerminal {
    /// The built capas REPL on a new `columns`×24 pseudo-terminal, in
    /// `terminalEnvironment(home:)` plus `extra`. Nothing is read yet.
    static func capas(home: URL, columns: UInt16 = 80, environment extra: [String: String] = [:],
                      file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let capas = try requireBuiltCapas(file: file, line: line)
        return try PseudoTerminal(executable: capas, environment: terminalEnvironment(home: home, extra), columns: columns)
    }
}
