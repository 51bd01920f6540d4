import CapasData
import Foundation
import XCTest

/// The default number of workers is the number of processors the process may
/// run on: under `taskset` with one processor, `capas train` uses one thread
/// (oversubscribing a pinned process only makes its workers wait for each other).
final class ThreadCountTests: XCTestCase {

    func testDefaultWorkersFollowTheCPUAffinity() throws {
        let capas = try capasExecutable()
        let taskset = "/usr/bin/taskset"
        guard FileManager.default.isExecutableFile(atPath: taskset) else { throw XCTSkip("taskset is not installed") }
        // The first processor this test may run on (`Cpus_allowed_list:\t0-1`).
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
              let first = line.split(separator: "\t").last?.split(whereSeparator: { $0 == "-" || $0 == "," }).first else {
            throw XCTSkip("no Cpus_allowed_list in /proc/self/status")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-threads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for file in CIFAR10.trainFiles + CIFAR10.testFiles {
            var bytes: [UInt8] = []
            for record in 0..<2 { bytes.append(UInt8(record)); bytes += [UInt8](repeating: UInt8(record * 100), count: 3072) }
            try Data(bytes).write(to: data.appendingPathComponent(file))
        }
        let model = folder.appendingPathComponent("model.capas")
        try "input 32x32x3\nflatten\ndense 10\n".write(to: model, atomically: true, encoding: .utf8)

        func train(_ extra: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: taskset)
            process.arguments = ["-c", String(first), capas, "train", model.path, "--data", "cifar10", "--data-dir", folder.path,
                                 "--epochs", "1", "--out", folder.appendingPathComponent("run").path, "--lang", "en"] + extra
            var environment = ProcessInfo.processInfo.environment
            environment["CAPAS_THREADS"] = nil
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, text)
            return text
        }
        let pinned = try train([])
        XCTAssertTrue(pinned.contains("for testing, 1 thread\n"), pinned)
        // An explicit count still wins.
        let asked = try train(["--threads", "3"])
        XCTAssertTrue(asked.contains("for testing, 3 threads\n"), asked)
    }
}
