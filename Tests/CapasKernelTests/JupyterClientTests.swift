import Foundation
import XCTest

/// The kernel with Jupyter's own clients: Tests/jupyter/run.sh (jupyter_kernel_test's
/// conformance suite, then nbconvert --execute on a notebook). Skipped when
/// python3 is missing or pip cannot install the packages; fails when a check fails.
final class JupyterClientTests: XCTestCase {
    func testRealJupyterClients() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Tests/jupyter/run.sh").path
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                    .contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }) else {
            throw XCTSkip("python3 is not installed")
        }
        // The capas built with these tests sits beside the test bundle.
        var environment = ProcessInfo.processInfo.environment
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
        for candidate in [bundle.appendingPathComponent("capas"), Bundle.main.bundleURL.appendingPathComponent("capas")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            environment["CAPAS_BIN"] = candidate.path
            break
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if let skipped = output.split(separator: "\n").first(where: { $0.hasPrefix("SKIPPED") }) {
            throw XCTSkip(String(skipped))
        }
        XCTAssertEqual(process.terminationStatus, 0, "Tests/jupyter/run.sh failed:\n" + output)
        XCTAssertTrue(output.contains("PASSED"), output)
    }
}
