@testable import CapasKernel
import CapasData
import CapasMessages
import Foundation
import XCTest

// Helpers the kernel's in-process tests share.

extension XCTestCase {
    /// A kernel on IPC sockets in a temporary folder removed after the test.
    func inProcessKernel(_ language: Language = .en) throws -> Kernel {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-kernel-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return try Kernel(connection: ConnectionInfo(transport: "ipc", ip: folder.path + "/k", shellPort: 1, iopubPort: 2,
                                                     stdinPort: 3, controlPort: 4, hbPort: 5, key: "k"), language: language)
    }

    /// Four classes: the bright quarter of an 8×8 image.
    func quadrants(_ n: Int, seed: UInt64) -> Dataset {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var images = [UInt8](), labels = [UInt8]()
        for _ in 0..<n {
            let label = Int(next() % 4)
            labels.append(UInt8(label))
            for y in 0..<8 {
                for x in 0..<8 { images.append((y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) == label ? 200 : UInt8(next() % 60)) }
            }
        }
        return Dataset(name: "quadrants", images: images, labels: labels, channels: 1, height: 8, width: 8, classNames: ["a", "b", "c", "d"])
    }
}
