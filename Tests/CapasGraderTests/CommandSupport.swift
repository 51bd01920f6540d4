import Foundation
import XCTest

/// The capas executable built next to this test bundle.
/// (`CAPAS_TEST_EXECUTABLE` runs these tests against another build, e.g. an older one.)
func capasExecutable() throws -> String {
    if let other = ProcessInfo.processInfo.environment["CAPAS_TEST_EXECUTABLE"] { return other }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    var folders = [URL(fileURLWithPath: executable).deletingLastPathComponent()]
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    guard let path = folders.map({ $0.appendingPathComponent("capas").path })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        XCTFail("capas not found next to the test bundle; build it with `swift build --build-tests`")
        throw XCTSkip("no capas executable")
    }
    return path
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs capas (or any program) in `folder` with `environment` added to a
/// clean copy of this one (no CAPAS_COURSE, no NO_COLOR surprises).
@discardableResult
func runCapas(_ arguments: [String], in folder: URL, environment: [String: String] = [:],
              executable: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try executable ?? capasExecutable())
    process.arguments = arguments
    process.currentDirectoryURL = folder
    var env = ProcessInfo.processInfo.environment
    env["CAPAS_COURSE"] = nil
    env["OPENBLAS_NUM_THREADS"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let scratch = temporaryFolder("capas-run")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
    XCTAssertTrue(FileManager.default.createFile(atPath: out.path, contents: nil))
    XCTAssertTrue(FileManager.default.createFile(atPath: err.path, contents: nil))
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
                         stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
}

/// Creates a folder whose name is these raw bytes (possibly not UTF-8) inside `parent`.
func makeFolder(bytes: [UInt8], in parent: URL) -> Bool {
    let path = Array(parent.path.utf8) + [UInt8(ascii: "/")] + bytes + [0]
    return path.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { mkdir($0, 0o755) == 0 }
    }
}

/// Copies a file into a folder whose path has raw bytes.
func copyFile(_ file: URL, intoFolderWithBytes bytes: [UInt8], in parent: URL, as name: String) -> Bool {
    guard let data = try? Data(contentsOf: file) else { return false }
    let path = Array(parent.path.utf8) + [UInt8(ascii: "/")] + bytes + Array("/\(name)".utf8) + [0]
    let fd = path.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    }
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == data.count
}
