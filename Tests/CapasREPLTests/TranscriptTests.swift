import Foundation
import XCTest

/// Golden transcripts of the non-terminal REPL: each `Transcripts/NAME.in` is
/// piped into the real `capas` executable, whose standard output must equal
/// `NAME.out` byte for byte and whose standard error must equal `NAME.err`
/// (missing means empty). The exit status must be 1 exactly when an entry
/// failed (that is, when something was written to standard error), else 0.
///
/// `es-…` transcripts run with `LANG=es_ES.UTF-8`, `en-…` with `LANG=en_US.UTF-8`.
/// After an intended change of output, regenerate them and review the diff:
///
///     CAPAS_UPDATE_GOLDEN=1 swift test --filter TranscriptTests
final class TranscriptTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Transcripts")

    func testTranscriptsMatchTheRealExecutable() throws {
        let capas = try capasExecutable()
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".in") }.map { String($0.dropLast(3)) }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 8, "the transcripts folder lost files: \(names)")
        XCTAssertTrue(names.contains { $0.hasPrefix("es-") } && names.contains { $0.hasPrefix("en-") })
        let update = ProcessInfo.processInfo.environment["CAPAS_UPDATE_GOLDEN"] == "1"
        for name in names {
            let language = name.hasPrefix("es-") ? "es_ES.UTF-8" : "en_US.UTF-8"
            let input = Self.folder.appendingPathComponent(name + ".in")
            let result = try runCapas(capas, input: input, environment: ["LANG": language])
            let outURL = Self.folder.appendingPathComponent(name + ".out")
            let errURL = Self.folder.appendingPathComponent(name + ".err")
            if update {
                try result.stdout.write(to: outURL)
                if result.stderr.isEmpty { try? FileManager.default.removeItem(at: errURL) } else { try result.stderr.write(to: errURL) }
            }
            let expectedOut = try Data(contentsOf: outURL)
            let expectedErr = (try? Data(contentsOf: errURL)) ?? Data()
            if let difference = firstDifference(String(decoding: result.stdout, as: UTF8.self), String(decoding: expectedOut, as: UTF8.self)) {
                XCTFail("\(name): standard output differs from \(name).out at \(difference)")
            }
            if let difference = firstDifference(String(decoding: result.stderr, as: UTF8.self), String(decoding: expectedErr, as: UTF8.self)) {
                XCTFail("\(name): standard error differs from \(name).err at \(difference)")
            }
            XCTAssertEqual(result.status, expectedErr.isEmpty ? 0 : 1, "\(name): exit status")
            XCTAssertFalse(result.stdout.isEmpty, "\(name) printed nothing")
        }
    }

    /// The transcripts themselves: both languages for every session, and the
    /// error sessions really contain errors (or the exit status check is idle).
    func testEveryTranscriptHasItsTranslationAndErrorsFail() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
        let inputs = Set(files.filter { $0.hasSuffix(".in") })
        for file in inputs where file.hasPrefix("en-") {
            XCTAssertTrue(inputs.contains("es-" + file.dropFirst(3)), "\(file) has no Spanish twin")
        }
        for language in ["en", "es"] {
            let errors = try String(contentsOf: Self.folder.appendingPathComponent("\(language)-errors.err"), encoding: .utf8)
            XCTAssertGreaterThanOrEqual(errors.components(separatedBy: "error").count - 1, 10, errors)
            XCTAssertFalse(FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent("\(language)-layers.err").path))
        }
    }
}

/// Where two texts first differ: the line number and both lines; nil when they are equal.
func firstDifference(_ actual: String, _ expected: String) -> String? {
    guard actual != expected else { return nil }
    let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
    for i in 0..<max(a.count, e.count) where (i < a.count ? a[i] : nil) != (i < e.count ? e[i] : nil) {
        return "line \(i + 1):\n  got      \((i < a.count ? a[i] : "(end)").debugDescription)\n  expected \((i < e.count ? e[i] : "(end)").debugDescription)"
    }
    return "the end (\(actual.utf8.count) bytes, expected \(expected.utf8.count))"
}

/// The `capas` executable beside the test bundle (built by `swift build` and `swift test`).
func capasExecutable() throws -> String {
    var folders: [URL] = []
    if let test = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        folders.append(URL(fileURLWithPath: test).deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    folders.append(Bundle.main.bundleURL)
    guard let path = folders.map({ $0.appendingPathComponent("capas").path })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        XCTFail("capas not found next to the test bundle; build it with `swift build --product capas`")
        throw XCTSkip("no capas executable")
    }
    return path
}

/// Runs `capas` with standard input from `input`, a minimal environment plus
/// `environment`, and returns what it wrote and its exit status.
func runCapas(_ executable: String, arguments: [String] = [], input: URL, environment: [String: String]) throws
    -> (stdout: Data, stderr: Data, status: Int32) {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("capas-transcript-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: home) }
    let outURL = home.appendingPathComponent("stdout"), errURL = home.appendingPathComponent("stderr")
    XCTAssertTrue(FileManager.default.createFile(atPath: outURL.path, contents: nil))
    XCTAssertTrue(FileManager.default.createFile(atPath: errURL.path, contents: nil))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    // Nothing from the caller's environment: no LC_ALL, no CAPAS_DATA, no NO_COLOR, a fresh HOME.
    process.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path, "OPENBLAS_NUM_THREADS": "1"]
        .merging(environment) { $1 }
    let stdin = try FileHandle(forReadingFrom: input)
    let stdout = try FileHandle(forWritingTo: outURL), stderr = try FileHandle(forWritingTo: errURL)
    defer { try? stdin.close(); try? stdout.close(); try? stderr.close() }
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    process.waitUntilExit()
    return (try Data(contentsOf: outURL), try Data(contentsOf: errURL), process.terminationStatus)
}
